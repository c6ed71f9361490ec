package io.flashrig.simulator;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** One command of a programmer command line, run in the order given, as the real tool does. */
sealed interface Command {

    void run(Session session) throws InterruptedException;

    /** {@code -l usb}; without an interface the real tool also reports its other interfaces. */
    record ListDevices(boolean allInterfaces) implements Command {
        @Override
        public void run(Session session) {
            DeviceList.print(session.hub().boards(), allInterfaces, session.console());
        }
    }

    /**
     * {@code -c port=usb sn=<serial>} or {@code -c port=usb<index>}.
     *
     * @param serial   the board's serial, or {@code null} to pick by index
     * @param usbIndex the board's position in the {@code -l usb} list, from 1; used when there is no serial
     */
    record Connect(String serial, int usbIndex) implements Command {
        @Override
        public void run(Session session) throws InterruptedException {
            session.connected(Connection.open(this, session.hub(), session.time(), session.console()));
        }

        /** The board this connection aims at, if it is on the bus now. */
        Optional<BoardState> find(SimulatedHub hub) {
            if (serial != null) {
                return hub.board(serial).filter(BoardState::present);
            }
            return hub.boards().stream().filter(BoardState::present).skip(usbIndex - 1L).findFirst();
        }
    }

    /** {@code -w <layout.tsv>} (also {@code --write}, {@code -d}, {@code --download}). */
    record Download(Path layout) implements Command {
        @Override
        public void run(Session session) throws InterruptedException {
            FlashLayout parsed = FlashLayout.read(layout);
            new LayoutFlasher(session.connection(), session.console()).flash(parsed);
        }
    }

    /** {@code -otp displ [word=N]...}; no words means all of them. */
    record OtpDisplay(List<Integer> words) implements Command {
        @Override
        public void run(Session session) {
            new OtpPartition(session.connection(), session.console()).display(words);
        }
    }

    /** {@code -otp write [lock] word=N value=V...} or the older {@code -otp program wordID=N value=V...}. */
    record OtpWrite(List<Assignment> assignments, boolean lock) implements Command {
        @Override
        public void run(Session session) {
            new OtpPartition(session.connection(), session.console()).write(assignments, lock, session);
        }

        /** One word to program with one value. */
        record Assignment(int word, long value) {
        }
    }

    /** {@code --version}. */
    record ShowVersion() implements Command {
        @Override
        public void run(Session session) {
            session.console().line("STM32CubeProgrammer version: " + ProgrammerSimulator.VERSION);
        }
    }

    /** {@code --help}, and a command line without commands. */
    record ShowHelp() implements Command {
        @Override
        public void run(Session session) {
            Arguments.USAGE.forEach(session.console()::line);
        }
    }
}
