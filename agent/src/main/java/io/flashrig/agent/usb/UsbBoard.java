package io.flashrig.agent.usb;

/**
 * A board as a watcher sees it on the bus.
 *
 * @param deviceId tells two devices apart within one watcher (the port path, or the listing's occurrence of a serial)
 * @param serial the serial string exactly as reported, not yet validated (it may be all zeros)
 * @param portPath bus, a dash, then the port chain separated by dots ({@code 20-1.4.2}); empty when unknown
 * @param productId USB product id, e.g. {@code 0xDF11}; 0 when unknown
 * @param product USB product string
 */
public record UsbBoard(String deviceId, String serial, String portPath, int productId, String product) {
}
