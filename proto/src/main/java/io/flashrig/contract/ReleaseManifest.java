package io.flashrig.contract;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.Collections;
import java.util.regex.Pattern;

/**
 * An image release: a name, the flash layout's file name, and the SHA-256 of the layout and of every binary it names,
 * keyed by each file's name as the layout names it (relative to the layout's folder), the layout included under its
 * own name. The server stores it, the agent makes it and checks its image against it; both compute its hash here, so
 * they cannot disagree on what "the same release" means.
 *
 * <p>The manifest hash is the SHA-256 of the canonical JSON: keys sorted, no whitespace,
 * {@code {"files":{…},"layout":"…","name":"…"}}. Names are restricted to characters JSON never escapes, so that any
 * JSON library's compact, key-sorted output is the same bytes and an engineer can recompute the hash with {@code jq -cS}.
 *
 * @param name the release's name, e.g. {@code hub3-v99.01.09}; path-safe so it can stand in a URL
 * @param layout the layout's file name, a key of {@code files}
 * @param files file name → SHA-256, 64 lower-case hex characters
 */
public record ReleaseManifest(String name, String layout, SortedMap<String, String> files) {

    /** Most files one release may name: a real layout names about ten. */
    public static final int MAX_FILES = 256;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,99}");
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._+-]+");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** {@code default} names the setting for rigs without a pin in the API, so no release may be called so. */
    public static final String RESERVED_NAME = "default";

    public ReleaseManifest {
        checkName(name);
        if (layout == null || layout.isEmpty()) {
            throw invalid("", "A release needs \"layout\": the flash layout's file name, e.g. FlashLayout_emmc.tsv.");
        }
        if (files == null || files.isEmpty()) {
            throw invalid("", "A release needs \"files\": the SHA-256 of the layout and of every binary it names.");
        }
        if (files.size() > MAX_FILES) {
            throw invalid("", "A release names at most " + MAX_FILES + " files; this one names " + files.size() + ".");
        }
        for (Map.Entry<String, String> file : files.entrySet()) {
            checkFileName(file.getKey());
            String hash = file.getValue();
            if (hash == null || !SHA256.matcher(hash).matches()) {
                String shown = Quoted.of(hash == null ? "" : hash);
                throw invalid(shown, "The hash of " + file.getKey() + " is '" + shown
                        + "', not a SHA-256: 64 lower-case hexadecimal characters.");
            }
        }
        checkFileName(layout);
        if (!files.containsKey(layout)) {
            throw invalid(Quoted.of(layout), "The layout " + Quoted.of(layout) + " is not among the release's files;"
                    + " list its own SHA-256 under its name.");
        }
        files = Collections.unmodifiableSortedMap(new TreeMap<>(files));
    }

    /** A manifest from any map of files (the order of the map does not matter). */
    public static ReleaseManifest of(String name, String layout, Map<String, String> files) {
        return new ReleaseManifest(name, layout, files == null ? null : new TreeMap<>(files));
    }

    /** Refuses what cannot be a release's name, e.g. from a URL; the same rule the manifest itself applies. */
    public static String checkName(String name) {
        if (name == null || name.isEmpty()) {
            throw invalid("", "A release needs a \"name\", e.g. hub3-v99.01.09.");
        }
        if (!NAME.matcher(name).matches()) {
            String shown = Quoted.of(name);
            throw invalid(shown, "'" + shown + "' is not a release name: 1 to 100 letters, digits, '.', '_', '+' or '-',"
                    + " starting with a letter or digit.");
        }
        if (name.equals(RESERVED_NAME)) {
            throw invalid(name, "'default' names the release of rigs without a pin and cannot be a release's name.");
        }
        return name;
    }

    private static void checkFileName(String file) {
        boolean ok = file != null && !file.isEmpty() && file.length() <= 255;
        if (ok) {
            for (String segment : file.split("/", -1)) {
                ok &= SEGMENT.matcher(segment).matches() && !segment.equals(".") && !segment.equals("..");
            }
        }
        if (!ok) {
            String shown = Quoted.of(file == null ? "" : file);
            throw invalid(shown, "'" + shown + "' is not a file name of a release: a name relative to the layout's folder"
                    + " (folders separated by '/', no '..'), of letters, digits, '.', '_', '+' and '-', at most 255 long.");
        }
    }

    /** The canonical JSON: keys sorted, no whitespace. The characters allowed in names need no escaping. */
    public String canonicalJson() {
        StringBuilder json = new StringBuilder("{\"files\":{");
        String comma = "";
        for (Map.Entry<String, String> file : files.entrySet()) {
            json.append(comma).append('"').append(file.getKey()).append("\":\"").append(file.getValue()).append('"');
            comma = ",";
        }
        return json.append("},\"layout\":\"").append(layout).append("\",\"name\":\"").append(name).append("\"}").toString();
    }

    /** The manifest hash: SHA-256 of {@link #canonicalJson()} in UTF-8, 64 lower-case hex characters. */
    public String sha256() {
        return sha256(canonicalJson().getBytes(StandardCharsets.UTF_8));
    }

    /** SHA-256 of bytes as the contract writes every hash: 64 lower-case hex characters. */
    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    /** A fresh SHA-256 digest, for hashing a file as it streams by. */
    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** True for 64 lower-case hex characters. */
    /** Whether {@code text} has the shape of a release's name (without {@link #checkName}'s exception). */
    public static boolean isName(String text) {
        return text != null && NAME.matcher(text).matches();
    }

    public static boolean isSha256(String text) {
        return text != null && SHA256.matcher(text).matches();
    }

    private static InvalidValueException invalid(String input, String message) {
        return new InvalidValueException("release", input, message);
    }
}
