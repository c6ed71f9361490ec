package io.flashrig.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the packaged FlashRig programs live, and the small helpers every scenario needs to start them. */
public final class Workspace {

    private Workspace() {
    }

    /** The repository root: system property {@code flashrig.root}, else the nearest folder up with server/ and agent/. */
    public static Path root() {
        String configured = System.getProperty("flashrig.root");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("server")) && Files.isDirectory(dir.resolve("agent"))
                    && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("the FlashRig repository root was not found above " + Path.of("").toAbsolutePath()
                + ": run from inside it or set -Dflashrig.root=DIR");
    }

    /** The packaged server ({@code server/target/quarkus-app/quarkus-run.jar}). */
    public static Path serverJar() {
        return required(root().resolve("server/target/quarkus-app/quarkus-run.jar"), "server", "server");
    }

    /** The packaged agent ({@code agent/target/flashrig-agent-runner.jar}). */
    public static Path agentJar() {
        return required(root().resolve("agent/target/flashrig-agent-runner.jar"), "agent", "agent");
    }

    /** The simulated STM32_Programmer_CLI launcher (needs {@code simulator/target/flashrig-simulator.jar}). */
    public static Path programmer() {
        required(root().resolve("simulator/target/flashrig-simulator.jar"), "simulator", "simulator");
        return root().resolve("simulator/bin/STM32_Programmer_CLI");
    }

    /** The demo flash layout, whose binaries sit beside it. */
    public static Path layout() {
        return required(root().resolve("demo/layout/FlashLayout_emmc_hub3-demo.tsv"), "demo layout", "demo");
    }

    /** The {@code java} that runs this JVM, so the programs run on the same Java. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A TCP port nobody listens on right now. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free TCP port", e);
        }
    }

    private static Path required(Path file, String what, String module) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("the packaged " + what + " is missing: " + file + " - build it first with "
                    + "./mvnw -B -q -pl " + module + " -am install -DskipTests");
        }
        return file;
    }
}
