package io.flashrig.agent.label;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A label printer on loopback, as a Zebra's raw port behaves: it takes a connection, reads until the sender closes,
 * and answers nothing. Every document it received is kept, in order.
 */
public final class FakeLabelPrinter implements AutoCloseable {

    private final ServerSocket socket;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    /** A printer on a free loopback port. */
    public FakeLabelPrinter() throws IOException {
        this(0);
    }

    /** A printer on {@code port}, e.g. one a test found away before. */
    public FakeLabelPrinter(int port) throws IOException {
        socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        acceptor = new Thread(this::accept, "fake-label-printer");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A loopback port nothing listens on, as a printer that is switched off. */
    public static int awayPort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    public String uri() {
        return "tcp://127.0.0.1:" + socket.getLocalPort();
    }

    public List<String> received() {
        return received;
    }

    private void accept() {
        while (!socket.isClosed()) {
            try (Socket client = socket.accept(); InputStream in = client.getInputStream()) {
                received.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                // Closed by the test, or a client that went away: the next one is taken.
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
