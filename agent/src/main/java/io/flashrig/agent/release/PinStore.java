package io.flashrig.agent.release;

import com.google.protobuf.InvalidProtocolBufferException;
import io.flashrig.agent.state.DurableFiles;
import io.flashrig.proto.rig.v1.ReleasePin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The last release the server gave this rig, kept in the state directory (owner-only, written atomically like the
 * other state files), so that a rig that starts while the server is away goes on flashing the release it was told
 * rather than whatever its layout is now. No file: the server gave no release, or was never reached.
 */
public final class PinStore {

    private final Path file;

    public PinStore(Path file) {
        this.file = file;
    }

    /** The stored pin; empty when none is stored. A damaged file is an error, never taken for "no release". */
    public Optional<ReleasePin> load() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            return Optional.of(ReleasePin.parseFrom(bytes));
        } catch (InvalidProtocolBufferException e) {
            throw new IOException("the stored release pin " + file + " is damaged: " + e.getMessage()
                    + "; delete it to take the server's next answer", e);
        }
    }

    public void save(Optional<ReleasePin> pin) throws IOException {
        if (pin.isPresent()) {
            DurableFiles.writeAtomically(file, pin.get().toByteArray());
        } else if (Files.deleteIfExists(file)) {
            DurableFiles.syncDirectory(file.toAbsolutePath().getParent());
        }
    }
}
