package io.flashrig.agent.release;

import io.flashrig.agent.programmer.FlashLayout;
import io.flashrig.contract.ReleaseManifest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The image on this computer as a release sees it: the layout and every binary it names, by the names it uses. */
public final class LocalImage {

    private LocalImage() {
    }

    /**
     * The files of a layout by the names the layout gives them, relative to its folder ('/' between folders), the
     * layout under its own file name.
     */
    public static Map<String, Path> files(FlashLayout layout) {
        Path folder = layout.file().getParent();
        Map<String, Path> files = new TreeMap<>();
        files.put(layout.name(), layout.file());
        for (FlashLayout.Partition partition : layout.partitions()) {
            partition.binary().ifPresent(binary -> files.put(nameIn(folder, binary), binary));
        }
        return files;
    }

    /** The manifest of a layout and its binaries; {@code name} defaults to the layout's file name without {@code .tsv}. */
    public static ReleaseManifest manifest(FlashLayout layout, Optional<String> name, ImageHashes hashes) throws IOException {
        Map<String, String> sha256 = new TreeMap<>();
        for (Map.Entry<String, Path> file : files(layout).entrySet()) {
            sha256.put(file.getKey(), hashes.sha256(file.getValue()));
        }
        return ReleaseManifest.of(name.orElseGet(() -> defaultName(layout)), layout.name(), sha256);
    }

    static String defaultName(FlashLayout layout) {
        String file = layout.name();
        return file.toLowerCase(java.util.Locale.ROOT).endsWith(".tsv") ? file.substring(0, file.length() - 4) : file;
    }

    private static String nameIn(Path folder, Path binary) {
        return folder.relativize(binary.toAbsolutePath().normalize()).toString().replace('\\', '/');
    }
}
