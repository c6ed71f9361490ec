package io.flashrig.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SlotMapTest {

    @TempDir
    Path dir;

    private Map<String, String> read(String text) throws Exception {
        Path file = Files.writeString(dir.resolve("slots.conf"), text);
        return RunCommand.slotMap(Optional.of(file));
    }

    @Test
    void mapsPortPathsToTheOperatorsSlotLabels() throws Exception {
        Map<String, String> labels = read("""
                # hub A, left to right
                slot 1 = 20-1.1
                2 = 20-1.2

                slot 3=20-1.4.2
                """);
        assertEquals(Map.of("20-1.1", "1", "20-1.2", "2", "20-1.4.2", "3"), labels);
        assertTrue(RunCommand.slotMap(Optional.empty()).isEmpty());
    }

    @Test
    void aMalformedLineOrAPortMappedTwiceIsABadSettingNamingTheLine() {
        ExitCodes.Failure malformed = assertThrows(ExitCodes.Failure.class, () -> read("1 = 20-1.1\n2 20-1.2\n"));
        assertEquals(ExitCodes.USAGE, malformed.exitCode());
        assertTrue(malformed.getMessage().contains("line 2"), malformed.getMessage());

        ExitCodes.Failure twice = assertThrows(ExitCodes.Failure.class, () -> read("1 = 20-1.1\n2 = 20-1.1\n"));
        assertTrue(twice.getMessage().contains("mapped twice"), twice.getMessage());
    }
}
