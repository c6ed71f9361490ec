package io.flashrig.agent.cli;

import io.flashrig.agent.config.AgentConfig;
import io.flashrig.agent.link.ServerAddress;
import io.flashrig.agent.link.ServerTrust;
import io.flashrig.agent.programmer.CliProgrammer;
import io.flashrig.agent.programmer.Durations;
import io.flashrig.agent.programmer.FlashLayout;
import io.flashrig.agent.programmer.ProgrammerLocator;
import io.flashrig.agent.programmer.ProgrammerProcess;
import io.flashrig.agent.state.StateDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Options shared by {@code run}, {@code devices} and {@code doctor}. Each falls back to its configuration setting
 * ({@link AgentConfig}) when not given on the command line.
 */
public class CommonOptions {

    @Option(names = "--server", paramLabel = "URL", description = "FlashRig server: https://host:port (TLS), or http://host:port (plaintext) on this computer or with --insecure. Config flashrig.server.")
    String server;

    @Option(names = "--ca-file", paramLabel = "FILE", description = "PEM file of a factory CA to trust besides the system's, for an https:// server. Config flashrig.ca-file.")
    Path caFile;

    @Option(names = "--insecure", description = "Allow a plaintext http:// server that is not on this computer: the token goes unencrypted. Config flashrig.insecure.")
    Boolean insecure;

    @Option(names = "--token", paramLabel = "TOKEN", description = "The rig's token. Better: environment FLASHRIG_TOKEN.")
    String token;

    @Option(names = "--layout", paramLabel = "FILE.tsv", description = "Flash layout; its binaries sit beside it. Config flashrig.layout.")
    Path layout;

    @Option(names = "--images", paramLabel = "DIR", description = "Folder of image folders: the rig's release is looked for here by"
            + " the SHA-256 of its layout, so a rig pinned to another release needs nothing done on it. --layout is still flashed"
            + " while the server gives no release.")
    Path images;

    @Option(names = "--programmer", paramLabel = "PATH", description = "STM32_Programmer_CLI to use (default: PATH, then the standard install location).")
    Path programmer;

    @Option(names = "--programmer-env", paramLabel = "NAME=VALUE", description = "Extra environment for the programmer, repeatable (e.g. FLASHRIG_SIM_HUB=dir).")
    Map<String, String> programmerEnv = new LinkedHashMap<>();

    @Option(names = "--watch", paramLabel = "usb|cli", description = "usb: hot-plug events (default); cli: poll STM32_Programmer_CLI -l usb.")
    String watch;

    @Option(names = "--poll-interval", paramLabel = "DURATION", description = "How often the cli watcher lists the boards, e.g. 2s, 250ms."
            + " Config flashrig.poll-interval.")
    String pollInterval;

    @Option(names = "--flash-timeout", paramLabel = "DURATION", description = "Kill a flash after this long, e.g. 90s, 10m (default 10m).")
    String flashTimeout;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Durable event queue, OTP write intents and programmer logs (default ~/.flashrig).")
    Path stateDir;

    /** The settings as the command should use them. */
    record Resolved(Optional<String> server, Optional<Path> caFile, boolean insecure, Optional<String> token, Optional<Path> layout, Optional<Path> programmer,
            Map<String, String> programmerEnv, String watch, Duration pollInterval, Duration flashTimeout, Duration otpTimeout,
            Duration reenumerationGrace, Path stateDir) {
    }

    Resolved resolve(AgentConfig config) throws ExitCodes.Failure {
        Map<String, String> env = new HashMap<>(config.programmerEnv());
        env.putAll(programmerEnv);
        String watchKind = Optional.ofNullable(watch).orElse(config.watch());
        if (!watchKind.equals("usb") && !watchKind.equals("cli")) {
            throw new ExitCodes.Failure(ExitCodes.USAGE, "--watch must be usb or cli, not '" + watchKind + "'");
        }
        return new Resolved(
                Optional.ofNullable(server).or(config::server).filter(s -> !s.isBlank()),
                Optional.ofNullable(caFile).or(() -> config.caFile().filter(s -> !s.isBlank()).map(Path::of)),
                Optional.ofNullable(insecure).orElse(config.insecure()),
                Optional.ofNullable(token).or(config::token).filter(s -> !s.isBlank()),
                Optional.ofNullable(layout).or(() -> config.layout().map(Path::of)),
                Optional.ofNullable(programmer).or(() -> config.programmer().map(Path::of)),
                env, watchKind,
                duration("--poll-interval", Optional.ofNullable(pollInterval).orElse(config.pollInterval())),
                duration("--flash-timeout", Optional.ofNullable(flashTimeout).orElse(config.flashTimeout())),
                duration("otp-timeout", config.otpTimeout()),
                duration("reenumeration-grace", config.reenumerationGrace()),
                Optional.ofNullable(stateDir).or(() -> config.stateDir().map(Path::of))
                        .orElse(Path.of(System.getProperty("user.home"), ".flashrig")));
    }

    /**
     * The server to connect to, checked before any connection: a plaintext URL to another computer is refused unless
     * {@code --insecure} is given.
     */
    static ServerAddress serverAddress(Resolved r) throws ExitCodes.Failure {
        String url = r.server().orElseThrow(() -> new ExitCodes.Failure(ExitCodes.USAGE, "no server given: use --server URL"));
        try {
            return ServerAddress.forRig(url, r.insecure());
        } catch (IllegalArgumentException e) {
            throw new ExitCodes.Failure(ExitCodes.USAGE, e.getMessage());
        }
    }

    /** The CAs to trust: the system's, plus {@code --ca-file}'s. */
    static ServerTrust trust(Resolved r) throws ExitCodes.Failure {
        try {
            return ServerTrust.withCaFile(r.caFile());
        } catch (IllegalArgumentException e) {
            throw new ExitCodes.Failure(ExitCodes.USAGE, e.getMessage());
        }
    }

    static Duration duration(String name, String text) throws ExitCodes.Failure {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ExitCodes.Failure(ExitCodes.USAGE, name + ": " + e.getMessage());
        }
    }

    static FlashLayout layout(Resolved r) throws ExitCodes.Failure {
        return readLayout(r.layout().orElseThrow(() -> new ExitCodes.Failure(ExitCodes.USAGE, "no flash layout given: use --layout FILE.tsv")));
    }

    static FlashLayout readLayout(Path file) throws ExitCodes.Failure {
        try {
            return FlashLayout.read(file);
        } catch (FlashLayout.InvalidLayoutException e) {
            throw new ExitCodes.Failure(ExitCodes.LAYOUT, e.getMessage());
        }
    }

    static Path locateProgrammer(Resolved r) throws ExitCodes.Failure {
        ProgrammerLocator locator = ProgrammerLocator.forThisComputer();
        return locator.locate(r.programmer()).orElseThrow(() -> new ExitCodes.Failure(ExitCodes.PROGRAMMER,
                r.programmer().map(p -> "the programmer " + p + " does not exist or is not executable")
                        .orElse("STM32_Programmer_CLI not found on PATH or at " + locator.candidates().get(locator.candidates().size() - 1)
                                + "; give --programmer PATH")));
    }

    static StateDir stateDir(Resolved r) throws ExitCodes.Failure {
        try {
            StateDir dir = StateDir.open(r.stateDir());
            if (!Files.isWritable(dir.root())) {
                throw new IOException("not writable");
            }
            return dir;
        } catch (IOException e) {
            throw new ExitCodes.Failure(ExitCodes.STATE_DIR, "the state directory " + r.stateDir() + " cannot be used: " + e.getMessage());
        }
    }

    static CliProgrammer programmer(Resolved r, Path executable, StateDir dir) {
        return new CliProgrammer(executable, new ProgrammerProcess(r.programmerEnv()), r.flashTimeout(), r.otpTimeout(), dir.listingLog());
    }
}
