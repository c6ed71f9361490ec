package io.flashrig.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedHubTest {

    @TempDir
    Path directory;

    @Test
    void pluggedBoardIsOnTheBusInTheRomWithTheOtpItCameWith() {
        SimulatedHub hub = new SimulatedHub(directory);
        hub.plug(SimulatedBoard.normal("SN1", "1-1.3").withMac("04:d9:21:38:30:a8"));

        BoardState board = hub.board("SN1").orElseThrow();

        assertTrue(board.present());
        assertEquals(Stage.ROM, board.stage());
        assertEquals("1-1.3", board.portPath());
        assertEquals(0x3821d904L, board.otp57());
        assertEquals(0x0000a830L, board.otp58());
        assertEquals(0, board.otp57Writes());
        assertFalse(board.bricked());
    }

    @Test
    void boardFileCarriesEveryDocumentedProperty() throws IOException {
        SimulatedHub hub = new SimulatedHub(directory);
        hub.plug(SimulatedBoard.normal("SN1", "1-1.3"));

        Properties file = new Properties();
        try (Reader reader = Files.newBufferedReader(directory.resolve("SN1.properties"))) {
            file.load(reader);
        }

        assertTrue(file.stringPropertyNames().containsAll(Set.of("serial", "portPath", "productId", "present",
                "behaviour", "flashMillis", "reenumMillis", "otp57", "otp58", "otp57Writes", "otp58Writes",
                "otp57Status", "otp58Status", "bricked", "stage")), file::toString);
        assertEquals("0x00000000", file.getProperty("otp57"));
        assertEquals("ROM", file.getProperty("stage"));
    }

    @Test
    void unplugRemovesTheBoardAndSaysWhetherThereWasOne() {
        SimulatedHub hub = new SimulatedHub(directory);
        hub.plug(SimulatedBoard.normal("SN1", "1-1.3"));

        assertTrue(hub.unplug("SN1"));
        assertFalse(hub.unplug("SN1"));
        assertTrue(hub.board("SN1").isEmpty());
        assertTrue(hub.boards().isEmpty());
    }

    @Test
    void secondBoardWithThePluggedSerialIsRefused() {
        SimulatedHub hub = new SimulatedHub(directory);
        hub.plug(SimulatedBoard.normal("SN1", "1-1.3"));

        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> hub.plug(SimulatedBoard.normal("SN1", "1-1.4")));
        assertTrue(refused.getMessage().contains("1-1.3"), refused.getMessage());
    }

    @Test
    void boardsAreListedInEnumerationOrder() {
        SimulatedHub hub = new SimulatedHub(directory);
        hub.plug(SimulatedBoard.normal("ZZZ", "1-1.4"));
        hub.plug(SimulatedBoard.normal("AAA", "1-1.2"));

        List<String> serials = hub.boards().stream().map(BoardState::serial).toList();

        assertEquals(List.of("ZZZ", "AAA"), serials);
    }

    @Test
    void boardsPluggedAtOnceFromManyThreadsAllGetTheirOwnAddress() throws Exception {
        SimulatedHub hub = new SimulatedHub(directory);
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> plugs = IntStream.rangeClosed(1, 16)
                    .mapToObj(slot -> threads.submit(() -> hub.plug(SimulatedBoard.normal("SN" + slot, "1-1." + slot))))
                    .collect(Collectors.toList());
            for (Future<?> plug : plugs) {
                plug.get();
            }
        } finally {
            threads.shutdown();
        }

        Set<Integer> addresses = hub.boards().stream().map(BoardState::usbAddress).collect(Collectors.toSet());
        assertEquals(16, addresses.size());
    }

    @Test
    void serialThatIsNoFileNameIsSimplyNotPlugged() {
        SimulatedHub hub = new SimulatedHub(directory);

        assertTrue(hub.board("../SN1").isEmpty());
        assertFalse(hub.unplug("../SN1"));
    }
}
