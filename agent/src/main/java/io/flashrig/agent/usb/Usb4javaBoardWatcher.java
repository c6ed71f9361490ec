package io.flashrig.agent.usb;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;
import org.jboss.logging.Logger;
import org.usb4java.Context;
import org.usb4java.Device;
import org.usb4java.DeviceDescriptor;
import org.usb4java.DeviceHandle;
import org.usb4java.DeviceList;
import org.usb4java.HotplugCallback;
import org.usb4java.HotplugCallbackHandle;
import org.usb4java.LibUsb;

/**
 * Watches with libusb hot-plug events (usb4java): ST's vendor id, DFU product ids only. Reads each board's serial
 * string descriptor and its port path (bus-port.port…), its physical slot on the hub.
 */
public final class Usb4javaBoardWatcher implements BoardWatcher {

    private static final Logger LOG = Logger.getLogger(Usb4javaBoardWatcher.class);
    /** How long one libusb event-handling call may block, so that close() is noticed. */
    private static final long EVENT_WAIT_MICROS = 500_000;

    private record Change(Device device, boolean arrived) {
    }

    private final Context context = new Context();
    private final HotplugCallbackHandle callback = new HotplugCallbackHandle();
    /** Hot-plug callbacks must not do I/O: they hand devices over to the reader thread through this bounded queue. */
    private final BlockingQueue<Change> changes = new ArrayBlockingQueue<>(256);
    private final HotplugBoards boards = new HotplugBoards();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    /**
     * Loads libusb and checks hot-plug support.
     *
     * @throws WatcherException when the native library cannot load or libusb cannot start (the caller falls back)
     */
    public Usb4javaBoardWatcher() throws WatcherException {
        int result;
        try {
            result = LibUsb.init(context);
        } catch (LinkageError | RuntimeException e) {
            throw new WatcherException("the USB library cannot be loaded (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
        if (result != LibUsb.SUCCESS) {
            throw new WatcherException("libusb cannot start: " + LibUsb.strError(result));
        }
        if (!LibUsb.hasCapability(LibUsb.CAP_HAS_HOTPLUG)) {
            LibUsb.exit(context);
            throw new WatcherException("libusb offers no hot-plug events on this system");
        }
    }

    @Override
    public String name() {
        return "usb";
    }

    @Override
    public void start(Consumer<BoardWatcherEvent> events) throws WatcherException {
        int result = LibUsb.hotplugRegisterCallback(context,
                LibUsb.HOTPLUG_EVENT_DEVICE_ARRIVED | LibUsb.HOTPLUG_EVENT_DEVICE_LEFT, LibUsb.HOTPLUG_ENUMERATE,
                ST_VENDOR_ID, LibUsb.HOTPLUG_MATCH_ANY, LibUsb.HOTPLUG_MATCH_ANY,
                new Arrivals(changes), null, callback);
        if (result != LibUsb.SUCCESS) {
            throw new WatcherException("cannot register for USB hot-plug events: " + LibUsb.strError(result));
        }
        Thread eventLoop = new Thread(() -> {
            while (!closed) {
                LibUsb.handleEventsTimeoutCompleted(context, EVENT_WAIT_MICROS, null);
            }
        }, "usb-events");
        Thread reader = new Thread(() -> read(events), "usb-boards");
        for (Thread t : List.of(eventLoop, reader)) {
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void read(Consumer<BoardWatcherEvent> events) {
        while (!closed) {
            Change change;
            try {
                change = changes.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                LibUsbDevice device = new LibUsbDevice(change.device());
                (change.arrived() ? boards.arrived(device) : boards.left(device)).ifPresent(events);
            } catch (RuntimeException e) {
                // One change that could not be handled must not blind the rig to every later board.
                LOG.errorf(e, "a USB change could not be handled; watching goes on");
            } finally {
                LibUsb.unrefDevice(change.device());
            }
        }
    }

    /** A device as libusb shows it. */
    private record LibUsbDevice(Device device) implements UsbDevice {

        @Override
        public Optional<Ids> ids() {
            return descriptor().map(d -> new Ids(d.idVendor() & 0xFFFF, d.idProduct() & 0xFFFF));
        }

        private Optional<DeviceDescriptor> descriptor() {
            DeviceDescriptor descriptor = new DeviceDescriptor();
            return LibUsb.getDeviceDescriptor(device, descriptor) == LibUsb.SUCCESS ? Optional.of(descriptor) : Optional.empty();
        }

        @Override
        public String portPath() {
            ByteBuffer ports = ByteBuffer.allocateDirect(8);
            int n = LibUsb.getPortNumbers(device, ports);
            StringBuilder path = new StringBuilder().append(LibUsb.getBusNumber(device)).append('-');
            for (int i = 0; i < n; i++) {
                path.append(i == 0 ? "" : ".").append(ports.get(i) & 0xFF);
            }
            return path.toString();
        }

        @Override
        public Optional<Strings> strings() {
            Optional<DeviceDescriptor> read = descriptor();
            if (read.isEmpty()) {
                return Optional.empty();
            }
            DeviceDescriptor descriptor = read.get();
            DeviceHandle handle = new DeviceHandle();
            int opened = LibUsb.open(device, handle);
            if (opened != LibUsb.SUCCESS) {
                LOG.warnf("a board at USB port %s cannot be opened to read its serial (%s); on Linux, a udev rule must give access to 0483:%04x",
                        portPath(), LibUsb.strError(opened), descriptor.idProduct() & 0xFFFF);
                return Optional.empty();
            }
            try {
                String serial = LibUsb.getStringDescriptor(handle, descriptor.iSerialNumber());
                String product = LibUsb.getStringDescriptor(handle, descriptor.iProduct());
                return Optional.of(new Strings(serial == null ? "" : serial, product == null ? "" : product));
            } finally {
                LibUsb.close(handle);
            }
        }
    }

    /**
     * Called by libusb on its event thread. A named class, not a lambda, so that native-image's JNI registration
     * (META-INF/native-image/…/jni-config.json) can name it.
     */
    static final class Arrivals implements HotplugCallback {
        private final BlockingQueue<Change> changes;

        Arrivals(BlockingQueue<Change> changes) {
            this.changes = changes;
        }

        @Override
        public int processEvent(Context context, Device device, int event, Object userData) {
            LibUsb.refDevice(device);
            if (!changes.offer(new Change(device, event == LibUsb.HOTPLUG_EVENT_DEVICE_ARRIVED))) {
                LibUsb.unrefDevice(device);
                LOG.warn("too many USB changes at once; one was dropped");
            }
            return 0;
        }
    }

    @Override
    public List<UsbBoard> present() {
        List<UsbBoard> present = new ArrayList<>();
        DeviceList list = new DeviceList();
        if (LibUsb.getDeviceList(context, list) < 0) {
            return present;
        }
        try {
            for (Device device : list) {
                HotplugBoards.describe(new LibUsbDevice(device)).ifPresent(present::add);
            }
        } finally {
            LibUsb.freeDeviceList(list, true);
        }
        return present;
    }

    @Override
    public void close() {
        closed = true;
        if (!threads.isEmpty()) {
            LibUsb.hotplugDeregisterCallback(context, callback);
        }
        threads.forEach(Thread::interrupt);
        for (Thread t : threads) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LibUsb.exit(context);
    }
}
