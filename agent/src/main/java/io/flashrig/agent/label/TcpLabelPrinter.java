package io.flashrig.agent.label;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A label printer on its raw TCP port (9100, "JetDirect"), the way Zebra and compatible printers take ZPL: connect,
 * write the document, close. The printer answers nothing, so a label counts as sent once the connection closed cleanly.
 */
public final class TcpLabelPrinter implements LabelPrinter {

    /** The raw printing port every Zebra and compatible printer listens on. */
    public static final int RAW_PORT = 9100;

    /**
     * Closes a connection whose document is not taken in time: a socket's timeout bounds reads only, and a printer that
     * accepts and never reads would hold a write, and with it every label behind it, forever.
     */
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "flashrig-label-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final URI uri;
    private final Duration timeout;

    private TcpLabelPrinter(URI uri, Duration timeout) {
        this.uri = uri;
        this.timeout = timeout;
    }

    /**
     * The printer at {@code tcp://HOST[:PORT]} (port 9100 when none is given).
     *
     * @throws IllegalArgumentException with one sentence when the text is not such a URI
     */
    public static TcpLabelPrinter at(String text, Duration timeout) {
        String problem = "'" + Label.clean(text) + "' is not a label printer: write tcp://HOST:9100 (the printer's raw TCP port)";
        URI uri;
        try {
            uri = new URI(text.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(problem);
        }
        if (!"tcp".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null || uri.getRawPath() != null && !uri.getRawPath().isEmpty()
                || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException(problem);
        }
        return new TcpLabelPrinter(uri, timeout);
    }

    /** Connects and closes without sending anything, for {@code doctor}: a raw port prints nothing for that. */
    public void reach() throws IOException {
        try (Socket socket = connect()) {
            socket.shutdownOutput();
        }
    }

    @Override
    public void print(String zpl) throws IOException {
        try (Socket socket = connect()) {
            ScheduledFuture<?> guard = WATCHDOG.schedule(() -> closeQuietly(socket), timeout.toMillis(), TimeUnit.MILLISECONDS);
            try {
                OutputStream out = socket.getOutputStream();
                out.write(zpl.getBytes(StandardCharsets.UTF_8));
                out.flush();
                // A half-close lets the printer see the end of the document before the connection goes.
                socket.shutdownOutput();
            } finally {
                guard.cancel(false);
            }
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // The writer sees the closed socket and the label stays queued.
        }
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort() == -1 ? RAW_PORT : uri.getPort()), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return uri.toString();
    }

    /** The connect, then the write under its watchdog, each bounded by the timeout. */
    @Override
    public Duration longestPrint() {
        return timeout.multipliedBy(2);
    }
}
