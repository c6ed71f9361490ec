package io.flashrig.agent.release;

import io.flashrig.agent.programmer.FlashLayout;
import io.flashrig.contract.InvalidValueException;
import io.flashrig.contract.ReleaseManifest;
import io.flashrig.proto.rig.v1.ReleasePin;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Decides, right before a board's programmer would start, which layout it gets: the rig's own layout when the server
 * gave no release, else the release's image, verified file by file. An image that is not the release (a file differs
 * or is missing, the layout names a file the release does not list) or a retired release means no flash, with a
 * sentence naming the file.
 *
 * <p>Files are hashed once per content (see {@link ImageHashes}); with {@code --images DIR} the release's layout is
 * found by its hash among the image folders in DIR, so pinning a rig to another release needs nothing done on the rig.
 */
public final class ImageGate {

    private static final Logger LOG = Logger.getLogger(ImageGate.class);

    /** What a board gets. */
    public sealed interface Decision permits Flash, Refuse {
    }

    /** Flash this layout; {@code release} is the release it was verified against, empty without one. */
    public record Flash(FlashLayout layout, Optional<ReleasePin> release) implements Decision {
    }

    /** Do not start the programmer: {@code message} says why, naming the file. */
    public record Refuse(String message, ReleasePin release) implements Decision {
    }

    private final FlashLayout layout;
    private final Optional<Path> images;
    private final ImageHashes hashes;
    private final Optional<PinStore> store;
    private final AtomicReference<Optional<ReleasePin>> pin = new AtomicReference<>(Optional.empty());

    /**
     * @param layout the rig's own layout ({@code --layout}): flashed without a release, checked against one
     * @param images a folder of image folders to find a release's layout in ({@code --images}), if any
     * @param store where the last pin is kept; its pin is the starting point
     */
    public ImageGate(FlashLayout layout, Optional<Path> images, ImageHashes hashes, Optional<PinStore> store) throws IOException {
        this(layout, images, hashes, store, store.isPresent() ? store.get().load() : Optional.empty());
    }

    private ImageGate(FlashLayout layout, Optional<Path> images, ImageHashes hashes, Optional<PinStore> store, Optional<ReleasePin> initial) {
        this.layout = layout;
        this.images = images;
        this.hashes = hashes;
        this.store = store;
        this.pin.set(initial);
    }

    /** A rig without releases: every board gets {@code layout}, as before releases existed. */
    public static ImageGate fixed(FlashLayout layout) {
        return new ImageGate(layout, Optional.empty(), new ImageHashes(), Optional.empty(), Optional.empty());
    }

    /** Checks the image against {@code pin} once, keeping and logging nothing: for {@code doctor}. */
    public static Decision checkOnce(FlashLayout layout, Optional<Path> images, Optional<ReleasePin> pin) {
        return new ImageGate(layout, images, new ImageHashes(), Optional.empty(), pin).check();
    }

    /** The release the rig is on now. */
    public Optional<ReleasePin> pin() {
        return pin.get();
    }

    /**
     * The server's answer about the rig's release (empty: none). Kept durably when it changed; a board whose flash
     * started finishes on its image, the next board is checked against this.
     */
    public void pinned(Optional<ReleasePin> now) {
        Optional<ReleasePin> before = pin.getAndSet(now);
        if (before.equals(now)) {
            return;
        }
        LOG.infof("release: %s", now.map(p -> p.getReleaseName() + (p.getRetired() ? " (retired: no board is flashed)" : "")
                + " (manifest " + p.getManifestSha256() + ")").orElse("none; flashing " + layout.name()));
        if (store.isPresent()) {
            try {
                store.get().save(now);
            } catch (IOException e) {
                // The pin still applies in memory; only a restart without the server would miss it.
                LOG.warnf("could not keep the release pin in the state directory: %s", e.getMessage());
            }
        }
    }

    /** Decides for the next board; reads files only when they changed since they were last hashed. */
    public Decision check() {
        Optional<ReleasePin> current = pin.get();
        if (current.isEmpty()) {
            return new Flash(layout, Optional.empty());
        }
        ReleasePin release = current.get();
        String name = release.getReleaseName();
        if (release.getRetired()) {
            return new Refuse("release " + name + " is retired: this rig flashes nothing until it is given another release", release);
        }
        try {
            ReleaseManifest manifest = ReleaseManifest.of(name, release.getLayoutName(), release.getFileSha256Map());
            if (!manifest.sha256().equals(release.getManifestSha256())) {
                return new Refuse("release " + name + " as the server sent it does not match its manifest hash "
                        + release.getManifestSha256() + "; no board is flashed until the server sends it whole", release);
            }
            return verify(manifest, release);
        } catch (InvalidValueException e) {
            return new Refuse("release " + name + " as the server sent it is not a manifest: " + e.getMessage(), release);
        }
    }

    private Decision verify(ReleaseManifest manifest, ReleasePin release) {
        String name = manifest.name();
        if (images.isEmpty()) {
            if (!layout.name().equals(manifest.layout())) {
                return new Refuse("this rig's layout is " + layout.name() + " but release " + name + " flashes "
                        + manifest.layout(), release);
            }
            return verifyAt(layout.file(), manifest, release);
        }
        List<Path> found = find(images.get(), manifest);
        if (found.isEmpty()) {
            return new Refuse("no image folder in " + images.get() + " holds " + manifest.layout() + " of release " + name
                    + " (SHA-256 " + manifest.files().get(manifest.layout()) + ")", release);
        }
        // Two folders may hold the same layout with other binaries: the first whose every file matches is the release.
        Decision first = null;
        for (Path layoutFile : found) {
            Decision decision = verifyAt(layoutFile, manifest, release);
            if (decision instanceof Flash) {
                return decision;
            }
            first = first == null ? decision : first;
        }
        return first;
    }

    private Decision verifyAt(Path layoutFile, ReleaseManifest manifest, ReleasePin release) {
        String name = manifest.name();
        FlashLayout read;
        try {
            read = FlashLayout.read(layoutFile);
        } catch (FlashLayout.InvalidLayoutException e) {
            return new Refuse(e.getMessage(), release);
        }
        Map<String, Path> local = LocalImage.files(read);
        for (String file : local.keySet()) {
            if (!manifest.files().containsKey(file)) {
                return new Refuse(read.name() + " names " + file + ", which release " + name + " does not list", release);
            }
        }
        Path folder = layoutFile.toAbsolutePath().getParent();
        for (Map.Entry<String, String> file : manifest.files().entrySet()) {
            Path path = folder.resolve(file.getKey());
            String actual;
            try {
                actual = hashes.sha256(path);
            } catch (NoSuchFileException e) {
                return new Refuse(file.getKey() + " of release " + name + " is missing from " + folder, release);
            } catch (IOException e) {
                return new Refuse(file.getKey() + " of release " + name + " cannot be read: " + e.getMessage(), release);
            }
            if (!actual.equals(file.getValue())) {
                return new Refuse(file.getKey() + " differs from release " + name + ": its SHA-256 is " + actual
                        + ", the release's " + file.getValue(), release);
            }
        }
        return new Flash(read, Optional.of(release));
    }

    /** The layout files of the release in DIR itself or its folders, recognised by their hash, not their name alone. */
    private List<Path> find(Path dir, ReleaseManifest manifest) {
        List<Path> candidates = new ArrayList<>();
        candidates.add(dir.resolve(manifest.layout()));
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(dir, Files::isDirectory)) {
            folders.forEach(folder -> candidates.add(folder.resolve(manifest.layout())));
        } catch (IOException e) {
            LOG.warnf("cannot list the image folders in %s: %s", dir, e.getMessage());
        }
        String wanted = manifest.files().get(manifest.layout());
        List<Path> found = new ArrayList<>();
        for (Path candidate : candidates.stream().sorted().toList()) {
            try {
                if (Files.isRegularFile(candidate) && hashes.sha256(candidate).equals(wanted)) {
                    found.add(candidate);
                }
            } catch (IOException e) {
                LOG.debugf("skipping %s: %s", candidate, e.getMessage());
            }
        }
        return found;
    }
}
