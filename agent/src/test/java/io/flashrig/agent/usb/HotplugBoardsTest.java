package io.flashrig.agent.usb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The hot-plug watcher's logic against a fake bus: no test machine has a board on USB. */
class HotplugBoardsTest {

    private static final int STLINK_V3 = 0x374F;

    /** A device on the fake bus; counts how often it is opened. */
    private static final class FakeDevice implements UsbDevice {
        final AtomicInteger opened = new AtomicInteger();
        private final Optional<Ids> ids;
        private final String port;
        private final Optional<Strings> strings;

        FakeDevice(int vendor, int product, String port, String serial) {
            this.ids = Optional.of(new Ids(vendor, product));
            this.port = port;
            this.strings = serial == null ? Optional.empty() : Optional.of(new Strings(serial, "DFU in HS Mode"));
        }

        @Override
        public Optional<Ids> ids() {
            return ids;
        }

        @Override
        public String portPath() {
            return port;
        }

        @Override
        public Optional<Strings> strings() {
            opened.incrementAndGet();
            return strings;
        }
    }

    private static FakeDevice board(String port, String serial) {
        return new FakeDevice(BoardWatcher.ST_VENDOR_ID, BoardWatcher.DFU_PRODUCT_ID, port, serial);
    }

    @Test
    void aBoardIsKnownByItsSerialDescriptorAtItsPortPath() {
        BoardWatcherEvent event = new HotplugBoards().arrived(board("20-1.4.2", "003C00473430511536383630")).orElseThrow();
        UsbBoard seen = ((BoardWatcherEvent.Attached) event).board();
        assertEquals("003C00473430511536383630", seen.serial());
        assertEquals("20-1.4.2", seen.portPath(), "the port path names the slot");
        assertEquals(BoardWatcher.DFU_PRODUCT_ID, seen.productId());
        assertEquals("DFU in HS Mode", seen.product());
    }

    @Test
    void aDepartureIsPairedWithTheArrivalAtItsPort() {
        HotplugBoards boards = new HotplugBoards();
        UsbBoard first = ((BoardWatcherEvent.Attached) boards.arrived(board("20-1.1", "003C00473430511536383631")).orElseThrow()).board();
        boards.arrived(board("20-1.2", "003C00473430511536383632"));
        // A leaving device cannot be opened: only its port says which board left.
        BoardWatcherEvent left = boards.left(board("20-1.1", null)).orElseThrow();
        assertEquals(new BoardWatcherEvent.Detached(first), left);
        assertTrue(boards.left(board("20-1.1", null)).isEmpty(), "one departure per arrival");
        assertTrue(boards.left(board("20-1.3", null)).isEmpty(), "a departure without an arrival reports nothing");
    }

    @Test
    void anStLinkProbeIsIgnoredAndNeverOpened() {
        HotplugBoards boards = new HotplugBoards();
        FakeDevice probe = new FakeDevice(BoardWatcher.ST_VENDOR_ID, STLINK_V3, "20-1.5", "0667FF494849887767173429");
        assertTrue(boards.arrived(probe).isEmpty());
        assertTrue(boards.left(probe).isEmpty());
        assertEquals(0, probe.opened.get());
        assertTrue(boards.arrived(new FakeDevice(0x1D6B, BoardWatcher.DFU_PRODUCT_ID, "20-1.6", "x")).isEmpty(), "another vendor");
    }

    @Test
    void aBoardWhoseSerialCannotBeReadIsNotReported() {
        HotplugBoards boards = new HotplugBoards();
        FakeDevice locked = board("20-1.7", null);
        assertTrue(boards.arrived(locked).isEmpty(), "no udev access: nothing to report it under");
        assertEquals(1, locked.opened.get());
        assertFalse(boards.left(locked).isPresent());
    }
}
