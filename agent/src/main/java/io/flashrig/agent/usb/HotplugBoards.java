package io.flashrig.agent.usb;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns hot-plug arrivals and departures into board events: only ST's DFU product ids are boards, each known by its
 * serial descriptor at its port path. A departure pairs with the arrival at the same port, because a leaving device
 * can no longer be opened to read its serial; a departure with no reported arrival (an ST-LINK, a board whose serial
 * could not be read) reports nothing.
 */
final class HotplugBoards {

    private final Map<String, UsbBoard> byPort = new ConcurrentHashMap<>();

    /** The board this device is, if it is one. */
    static Optional<UsbBoard> describe(UsbDevice device) {
        Optional<UsbDevice.Ids> ids = device.ids();
        if (ids.isEmpty() || ids.get().vendorId() != BoardWatcher.ST_VENDOR_ID || !BoardWatcher.isBoard(ids.get().productId())) {
            // An ST-LINK probe or another ST device: not a board, and not opened.
            return Optional.empty();
        }
        String port = device.portPath();
        return device.strings().map(s -> new UsbBoard(port, s.serial(), port, ids.get().productId(), s.product()));
    }

    /** A device arrived: Attached when it is a board. */
    Optional<BoardWatcherEvent> arrived(UsbDevice device) {
        Optional<UsbBoard> board = describe(device);
        board.ifPresent(b -> byPort.put(b.portPath(), b));
        return board.map(BoardWatcherEvent.Attached::new);
    }

    /** A device left: Detached for the board that arrived at its port. */
    Optional<BoardWatcherEvent> left(UsbDevice device) {
        return Optional.ofNullable(byPort.remove(device.portPath())).map(BoardWatcherEvent.Detached::new);
    }
}
