package io.flashrig.simulator;

import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The programmer's USB connection to one board. Whatever the programmer does between two steps, it checks that the
 * board is still plugged, so a board pulled out of the simulated hub fails the run within one step.
 */
final class Connection {

    /** The real tool keeps trying to reach a board for about 3 s, long enough for a re-enumeration to finish. */
    private static final long CONNECT_RETRY_MILLIS = 3000;
    /** Wall-clock time between two looks at the hub: short enough to notice a pulled board within ~100 ms. */
    private static final long LOOK_MILLIS = 50;

    private final SimulatedHub hub;
    private final String serial;
    private final SimulatedTime time;
    private final Console console;

    private Connection(SimulatedHub hub, String serial, SimulatedTime time, Console console) {
        this.hub = hub;
        this.serial = serial;
        this.time = time;
        this.console = console;
    }

    /** Connects to the board {@code target} names, waiting for it as the real tool does, and prints its header. */
    static Connection open(Command.Connect target, SimulatedHub hub, SimulatedTime time, Console console)
            throws InterruptedException {
        BoardState board = await(time, CONNECT_RETRY_MILLIS, () -> target.find(hub))
                .orElseThrow(() -> new ToolError("Error: Target device not found.",
                        "Error: Establishing connection with the device failed."));
        Connection connection = new Connection(hub, board.serial(), time, console);
        connection.printHeader(board);
        return connection;
    }

    /** The connected board as it is now. */
    BoardState board() {
        return hub.board(serial).orElseThrow(ToolError::connectionLost);
    }

    /** Changes the connected board on the hub. */
    BoardState update(UnaryOperator<BoardState> change) {
        return hub.update(serial, change).orElseThrow(ToolError::connectionLost);
    }

    /** Lets {@code simulatedMillis} pass while watching that the board stays plugged. */
    void pause(long simulatedMillis) throws InterruptedException {
        await(time, simulatedMillis, () -> {
            if (!hub.plugged(serial)) {
                throw ToolError.connectionLost();
            }
            return Optional.empty();
        });
    }

    /**
     * The board leaves the bus, stays away for its re-enumeration time and comes back as U-Boot's gadget at a new
     * address; the programmer reconnects and prints a new header.
     */
    void reenumerate() throws InterruptedException {
        long gap = board().reenumMillis();
        update(board -> board.offBus(System.currentTimeMillis() + time.realMillis(gap)));
        console.line("Reconnecting the device ...");
        pause(gap);
        int address = hub.nextUsbAddress();
        printHeader(update(board -> board.enumerated(address, Stage.UBOOT)));
    }

    /** Looks at the hub until {@code look} finds something or {@code simulatedMillis} have passed. */
    private static <T> Optional<T> await(SimulatedTime time, long simulatedMillis, Supplier<Optional<T>> look)
            throws InterruptedException {
        long deadline = System.nanoTime() + time.realMillis(simulatedMillis) * 1_000_000;
        while (true) {
            Optional<T> found = look.get();
            long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
            if (found.isPresent() || leftMillis <= 0) {
                return found;
            }
            Thread.sleep(Math.min(LOOK_MILLIS, leftMillis));
        }
    }

    private void printHeader(BoardState board) {
        console.line("USB speed   : High Speed (480MBit/s)");
        console.line("Manuf. ID   : STMicroelectronics");
        console.line("Product ID  : " + board.stage().productString());
        console.line("SN          : " + board.serial());
        console.line("DFU protocol: 1.1");
        console.line("Board       : --");
        console.line("Device ID   : 0x0500");
        console.line("Device name : " + board.stage().deviceName());
        console.line("Device type : MPU");
        console.line("Revision ID : --");
        console.line("Device CPU  : Cortex-A7");
        console.line("");
    }
}
