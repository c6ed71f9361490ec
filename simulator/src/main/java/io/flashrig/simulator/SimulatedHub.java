package io.flashrig.simulator;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.function.UnaryOperator;

/**
 * A USB hub that exists only as a directory: one {@code <SERIAL>.properties} file per plugged board. Tests and the
 * demo plug and unplug boards here; every simulated {@code STM32_Programmer_CLI} process (several at once, one per
 * board, plus listers) reads and changes the same directory, so each change is a read-modify-write under the board's
 * lock and each file is replaced atomically, never seen half-written.
 */
public final class SimulatedHub {

    private static final String BOARD_FILE = ".properties";
    private static final String LOCK_FILE = ".lock";
    private static final String ADDRESS_FILE = "usb-address";
    private static final String ADDRESS_LOCK = "usb-address.lock";
    /** USB addresses run 1 to 127 and the hub itself holds 1. */
    private static final int FIRST_DEVICE_ADDRESS = 2;
    private static final int LAST_ADDRESS = 127;

    private final Path directory;

    /** The hub kept in {@code directory}, created if it does not exist yet. */
    public SimulatedHub(Path directory) {
        this.directory = directory;
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the hub directory " + directory, e);
        }
    }

    /** The directory the hub lives in, to hand to the simulator as {@code FLASHRIG_SIM_HUB}. */
    public Path directory() {
        return directory;
    }

    /**
     * Plugs a board in: it appears on the bus in the ROM stage at a new USB address.
     *
     * @throws IllegalStateException if a board with the same serial is plugged already
     */
    public void plug(SimulatedBoard board) {
        HubLock.holding(lockFile(board.serial()), () -> {
            Optional<BoardState> present = read(board.serial());
            if (present.isPresent()) {
                throw new IllegalStateException("a board with serial " + board.serial() + " is already plugged in at "
                        + present.get().portPath());
            }
            write(BoardState.plugged(board, nextUsbAddress()));
            return null;
        });
    }

    /**
     * Pulls a board out; a programmer working on it notices at its next step and fails as with a pulled cable. The
     * board's OTP is forgotten with it: plug it again {@link SimulatedBoard#withMac with its MAC} to bring it back.
     *
     * @return whether a board with that serial was plugged
     */
    public boolean unplug(String serial) {
        if (!SimulatedBoard.validSerial(serial)) {
            return false;
        }
        return HubLock.holding(lockFile(serial), () -> {
            try {
                return Files.deleteIfExists(boardFile(serial));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot unplug " + serial, e);
            }
        });
    }

    /** The board with that serial, while it is plugged (also while it is off the bus re-enumerating). */
    public Optional<BoardState> board(String serial) {
        return SimulatedBoard.validSerial(serial) ? read(serial) : Optional.empty();
    }

    /** Every plugged board, in the order the programmer lists them: by bus, then by USB address. */
    public List<BoardState> boards() {
        List<BoardState> boards = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + BOARD_FILE)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                read(name.substring(0, name.length() - BOARD_FILE.length())).ifPresent(boards::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the hub " + directory, e);
        }
        boards.sort(Comparator.comparingInt(BoardState::usbBus).thenComparingInt(BoardState::usbAddress));
        return boards;
    }

    /**
     * Changes one board under its lock.
     *
     * @return the board as changed, or nothing if it is not plugged (any more)
     */
    Optional<BoardState> update(String serial, UnaryOperator<BoardState> change) {
        return HubLock.holding(lockFile(serial), () -> {
            Optional<BoardState> changed = read(serial).map(change);
            changed.ifPresent(this::write);
            return changed;
        });
    }

    /** Whether the board is still plugged; cheap enough to ask between two progress redraws. */
    boolean plugged(String serial) {
        return Files.exists(boardFile(serial));
    }

    /** The address the next enumeration gets: like a host controller, the hub counts up and wraps around. */
    int nextUsbAddress() {
        return HubLock.holding(directory.resolve(ADDRESS_LOCK), () -> {
            Path file = directory.resolve(ADDRESS_FILE);
            int last = FIRST_DEVICE_ADDRESS - 1;
            try {
                last = Integer.parseInt(Files.readString(file).trim());
            } catch (NoSuchFileException firstEnumeration) {
                // No board was ever enumerated on this hub.
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
            int next = last >= LAST_ADDRESS ? FIRST_DEVICE_ADDRESS : last + 1;
            replace(file, Integer.toString(next));
            return next;
        });
    }

    private Optional<BoardState> read(String serial) {
        Path file = boardFile(serial);
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Properties properties = new Properties();
            properties.load(reader);
            return Optional.of(BoardState.fromProperties(properties));
        } catch (NoSuchFileException unplugged) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the hub file " + file + " is damaged: " + e.getMessage(), e);
        }
    }

    private void write(BoardState board) {
        StringWriter text = new StringWriter();
        try {
            board.toProperties().store(text, "FlashRig simulated board");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        replace(boardFile(board.serial()), text.toString());
    }

    /** Readers must see the old file or the new one, never a part, hence a temporary file and an atomic rename. */
    private void replace(Path file, String content) {
        try {
            Path temporary = Files.createTempFile(directory, "." + file.getFileName(), ".tmp");
            Files.writeString(temporary, content, StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private Path boardFile(String serial) {
        return directory.resolve(serial + BOARD_FILE);
    }

    private Path lockFile(String serial) {
        return directory.resolve(serial + LOCK_FILE);
    }
}
