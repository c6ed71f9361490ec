package io.flashrig.simulator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A test's hub, a programmer running against it and a flash layout to write, all in the test's folder. */
final class Bench {

    final SimulatedHub hub;
    final Programmer programmer;
    final Path layout;

    Bench(Path directory) throws IOException {
        hub = new SimulatedHub(directory.resolve("hub"));
        programmer = new Programmer(hub);
        layout = Layouts.starterPackage(Files.createDirectories(directory.resolve("images")));
    }

    /** Plugs the board in and flashes it by serial. */
    Programmer.Result plugAndFlash(SimulatedBoard board) {
        hub.plug(board);
        return programmer.run(flashArgs(board));
    }

    /** Plugs the board in and starts flashing it by serial, to act on the hub while the flash goes on. */
    Programmer.Running plugAndStartFlashing(SimulatedBoard board) {
        hub.plug(board);
        return programmer.start(flashArgs(board));
    }

    private String[] flashArgs(SimulatedBoard board) {
        return new String[] {"-c", "port=usb", "sn=" + board.serial(), "-w", layout.toString()};
    }
}
