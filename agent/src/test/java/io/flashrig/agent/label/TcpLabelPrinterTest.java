package io.flashrig.agent.label;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TcpLabelPrinterTest {

    /** A print server that takes the connection and then never reads: its buffers fill and a write would block. */
    @Test
    void aPrinterThatAcceptsButNeverReadsFailsThePrintInsteadOfHoldingItForever() throws Exception {
        try (ServerSocket printer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return printer.accept();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            TcpLabelPrinter tcp = TcpLabelPrinter.at("tcp://127.0.0.1:" + printer.getLocalPort(), Duration.ofMillis(500));
            // Far more than loopback's socket buffers take: a logo-heavy template can be megabytes.
            String document = "^XA" + "^FX".repeat(16 * 1024 * 1024) + "^XZ";

            CompletableFuture<Void> print = CompletableFuture.runAsync(() -> {
                try {
                    tcp.print(document);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                ExecutionException failed = assertThrows(ExecutionException.class,
                        () -> print.get(60, TimeUnit.SECONDS));
                assertInstanceOf(IOException.class, failed.getCause().getCause());
            } finally {
                accepted.get(60, TimeUnit.SECONDS).close();
            }
        }
    }
}
