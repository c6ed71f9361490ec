package io.flashrig.agent.programmer;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Finds STM32_Programmer_CLI in milliseconds: the path the operator gave, else {@code PATH}, else the standard install
 * location of the operating system. Never a disk walk (the original rig's walk took about a minute).
 */
public final class ProgrammerLocator {

    private final String osName;
    private final Map<String, String> environment;
    private final Path userHome;

    public ProgrammerLocator(String osName, Map<String, String> environment, Path userHome) {
        this.osName = osName.toLowerCase(Locale.ROOT);
        this.environment = Map.copyOf(environment);
        this.userHome = userHome;
    }

    /** The locator for this computer. */
    public static ProgrammerLocator forThisComputer() {
        return new ProgrammerLocator(System.getProperty("os.name", ""), System.getenv(), Path.of(System.getProperty("user.home", ".")));
    }

    /** The places looked at, in order, for messages that say where the programmer was not found. */
    public List<Path> candidates() {
        List<Path> candidates = new ArrayList<>();
        String name = windows() ? "STM32_Programmer_CLI.exe" : "STM32_Programmer_CLI";
        String path = environment.getOrDefault("PATH", environment.getOrDefault("Path", ""));
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isBlank()) {
                candidates.add(Path.of(dir).resolve(name));
            }
        }
        if (osName.contains("mac")) {
            candidates.add(Path.of("/Applications/STMicroelectronics/STM32Cube/STM32CubeProgrammer/STM32CubeProgrammer.app/Contents/MacOs/bin", name));
        } else if (windows()) {
            String programFiles = environment.getOrDefault("ProgramFiles", "C:\\Program Files");
            candidates.add(Path.of(programFiles, "STMicroelectronics", "STM32Cube", "STM32CubeProgrammer", "bin", name));
        } else {
            candidates.add(userHome.resolve("STMicroelectronics/STM32Cube/STM32CubeProgrammer/bin").resolve(name));
        }
        return candidates;
    }

    /**
     * The programmer to use: {@code explicit} when given (it must then exist), otherwise the first candidate that is an
     * executable file.
     */
    public Optional<Path> locate(Optional<Path> explicit) {
        if (explicit.isPresent()) {
            return explicit.filter(ProgrammerLocator::runnable);
        }
        return candidates().stream().filter(ProgrammerLocator::runnable).findFirst();
    }

    private boolean windows() {
        return osName.contains("win");
    }

    private static boolean runnable(Path p) {
        return Files.isRegularFile(p) && Files.isExecutable(p);
    }
}
