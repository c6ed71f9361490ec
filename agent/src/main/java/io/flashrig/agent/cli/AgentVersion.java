package io.flashrig.agent.cli;

import org.eclipse.microprofile.config.ConfigProvider;
import picocli.CommandLine.IVersionProvider;

/** The agent's version, from the build (Quarkus records the project version as {@code quarkus.application.version}). */
public final class AgentVersion implements IVersionProvider {

    /** The version string of this build, e.g. {@code 0.1.0}. */
    public static String current() {
        return ConfigProvider.getConfig().getOptionalValue("quarkus.application.version", String.class).orElse("unknown");
    }

    @Override
    public String[] getVersion() {
        return new String[] {"flashrig-agent " + current()};
    }
}
