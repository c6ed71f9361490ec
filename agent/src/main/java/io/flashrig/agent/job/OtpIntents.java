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

    /**
     * A MAC about to be written, and the id under which its write was claimed from the server: after a restart the same
     * id resumes that claim, and no other board's can.
     */
    public record Intent(MacAddress mac, String writeId) {
    }

    private final Path dir;

    public OtpIntents(Path dir) {
        this.dir = dir;
    }

    /** Records the intent durably; returns only once it is on disk. */
    public void record(BoardSerial serial, Intent intent) throws IOException {
        DurableFiles.writeAtomically(file(serial), (intent.mac().canonical() + " " + intent.writeId() + "\n")
                .getBytes(StandardCharsets.UTF_8));
    }

    /** The MAC an earlier attempt meant to write to this board, if one did. */
    public Optional<MacAddress> intended(BoardSerial serial) {
        return intent(serial).map(Intent::mac);
    }

    /** What an earlier attempt meant to write to this board, and under which write id, if one did. */
    public Optional<Intent> intent(BoardSerial serial) {
        try {
            String[] words = Files.readString(file(serial), StandardCharsets.UTF_8).strip().split(" ");
            return words.length == 2 ? Optional.of(new Intent(MacAddress.parse(words[0]), words[1])) : Optional.empty();
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
