package io.flashrig.agent.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.agent.job.OtpIntents;
import io.flashrig.agent.link.EventQueue;
import io.flashrig.agent.programmer.ProgrammerProcess;
import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Programmer output, OTP intents and queued events are readable by the agent's user only. */
class PrivateFilesTest {

    @TempDir
    Path temp;

    @BeforeEach
    void posixOnly() {
        Assumptions.assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"),
                "modes are POSIX; elsewhere the folder's ACL stands");
    }

    @Test
    void everythingTheAgentWritesIsOwnerOnly() throws Exception {
        StateDir dir = StateDir.open(temp.resolve("state"));
        BoardSerial serial = new BoardSerial("003C0047343051153638B001");
        new OtpIntents(dir.intents()).record(serial,
                new OtpIntents.Intent(MacAddress.parse("02:00:00:00:00:01"), "write-1"));
        try (EventQueue queue = EventQueue.open(dir.queue(), 100)) {
            // Its files are there from opening on.
        }
        Path log = dir.attemptLog(serial.value(), Instant.parse("2026-01-01T00:00:00Z"), "attempt-1");
        new ProgrammerProcess(Map.of()).run(List.of("echo", "chip output"), Duration.ofSeconds(30), "chip output",
                log, line -> { });

        List<Path> everything;
        try (Stream<Path> walk = Files.walk(dir.root())) {
            everything = walk.toList();
        }
        assertTrue(everything.contains(log) && everything.contains(dir.queue().resolve("events.log")),
                everything.toString());
        for (Path path : everything) {
            String expected = Files.isDirectory(path) ? "rwx------" : "rw-------";
            assertEquals(expected, PosixFilePermissions.toString(Files.getPosixFilePermissions(path)),
                    dir.root().relativize(path).toString());
        }
    }

    @Test
    void foldersAnOlderAgentLeftOpenAreNarrowedOnOpen() throws IOException {
        Path root = temp.resolve("old-state");
        for (Path folder : List.of(root, root.resolve("queue"), root.resolve("otp-intents"), root.resolve("logs"))) {
            Files.createDirectories(folder);
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        StateDir dir = StateDir.open(root);
        for (Path folder : List.of(dir.root(), dir.queue(), dir.intents(), dir.logs())) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(folder)),
                    folder.toString());
        }
    }
}
