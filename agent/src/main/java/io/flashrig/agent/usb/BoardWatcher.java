package io.flashrig.agent.usb;

import java.util.List;
import java.util.function.Consumer;

/**
 * Watches the hub for STM32MP1 boards in DFU mode (VID 0x0483, PID 0xDF11 or 0x5720) and reports them as they come and
 * go. ST-LINK probes and other devices are never reported.
 */
public interface BoardWatcher extends AutoCloseable {

    /** ST's USB vendor id. */
    int ST_VENDOR_ID = 0x0483;
    /** The ROM bootloader's DFU, and U-Boot's gadget with ST's board code. */
    int DFU_PRODUCT_ID = 0xDF11;
    /** U-Boot's programming gadget without ST's board code. */
    int GADGET_PRODUCT_ID = 0x5720;

    /** True for the product ids of a board (not of an ST-LINK probe or another ST device). */
    static boolean isBoard(int productId) {
        return productId == DFU_PRODUCT_ID || productId == GADGET_PRODUCT_ID;
    }

    /**
     * Starts watching; {@code events} first receives an {@code Attached} for every board already present. Events are
     * delivered one at a time, in order.
     */
    void start(Consumer<BoardWatcherEvent> events) throws WatcherException;

    /** The boards on the bus now. */
    List<UsbBoard> present() throws WatcherException;

    /** A short name for messages: {@code usb} or {@code cli}. */
    String name();

    /**
     * Returns once the watcher has looked at the bus after {@code nanoTime} ({@link System#nanoTime()}) and reported
     * what it saw, so that a board that left before that moment is known to be gone. Hot-plug events arrive within a
     * moment; a listing watcher must wait for a listing that began after it.
     */
    default void awaitLookAfter(long nanoTime) throws InterruptedException {
        Thread.sleep(HOT_PLUG_SETTLE_MILLIS);
    }

    /** How long the operating system may take to report a detached device as a hot-plug event. */
    long HOT_PLUG_SETTLE_MILLIS = 1_000;

    @Override
    void close();

    /** The watcher cannot watch, in one sentence. */
    final class WatcherException extends Exception {
        public WatcherException(String message) {
            super(message);
        }
    }
}
