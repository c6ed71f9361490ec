package io.flashrig.agent.job;

import io.flashrig.agent.state.DurableFiles;
import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The durable record that a MAC is about to be written to a board's OTP, made durable (fsync) BEFORE the programmer
 * is started. After a crash, the OTP read decides: if the words hold the intended MAC the write happened and is only
 * verified, never repeated; a board is never written to unless both words read blank.
 */
public final class OtpIntents {

    private final Path dir;

    public OtpIntents(Path dir) {
        this.dir = dir;
    }

    /** Records the intent durably; returns only once it is on disk. */
    public void record(BoardSerial serial, MacAddress mac, String attemptId) throws IOException {
        DurableFiles.writeAtomically(file(serial), (mac.canonical() + " " + attemptId + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The MAC an earlier attempt meant to write to this board, if one did. */
    public Optional<MacAddress> intended(BoardSerial serial) {
        try {
            String text = Files.readString(file(serial), StandardCharsets.UTF_8).strip();
            return Optional.of(MacAddress.parse(text.split(" ")[0]));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            // A damaged intent cannot be trusted; without it the server judges the OTP content instead.
            return Optional.empty();
        }
    }

    /** Forgets the intent once the MAC is verified in OTP. */
    public void clear(BoardSerial serial) throws IOException {
        Files.deleteIfExists(file(serial));
        DurableFiles.syncDirectory(dir);
    }

    private Path file(BoardSerial serial) {
        return dir.resolve(serial.value() + ".intent");
    }
}
