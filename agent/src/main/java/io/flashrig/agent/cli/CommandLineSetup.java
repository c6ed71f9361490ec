package io.flashrig.agent.cli;

import io.quarkus.picocli.runtime.PicocliCommandLineFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import picocli.CommandLine;

/** The command line as operators meet it: a bad option costs one line and exit code 2, not a page of usage. */
@ApplicationScoped
class CommandLineSetup {

    @Produces
    CommandLine commandLine(PicocliCommandLineFactory factory) {
        return factory.create().setParameterExceptionHandler((e, args) -> {
            CommandLine command = e.getCommandLine();
            command.getErr().println("flashrig-agent: " + e.getMessage() + " (see '"
                    + command.getCommandSpec().qualifiedName() + " --help')");
            return ExitCodes.USAGE;
        });
    }
}
