package io.flashrig.agent.usb;

import java.util.Optional;

/**
 * What the hot-plug watcher reads of one USB device: the thin seam over libusb, so that the watcher's logic runs
 * against a fake bus in tests (no test machine has a board on USB).
 */
interface UsbDevice {

    /** The device descriptor's ids; empty when the descriptor cannot be read. */
    Optional<Ids> ids();

    /** {@code bus-port.port…}, e.g. {@code 20-1.4.2}: stable for a physical hub port, so it names the slot. */
    String portPath();

    /** Opens the device and reads its serial and product string descriptors; empty when it cannot be opened. */
    Optional<Strings> strings();

    /** Vendor and product id from the device descriptor. */
    record Ids(int vendorId, int productId) {
    }

    /** The string descriptors a board is known by; empty strings for those it does not have. */
    record Strings(String serial, String product) {
    }
}
