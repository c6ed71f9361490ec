package io.flashrig.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReleaseManifestTest {

    private static final String A = "a".repeat(64);
    private static final String B = "b".repeat(64);

    @Test
    void canonicalJsonSortsKeysAndHasNoWhitespace() {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("rootfs.ext4", B);
        files.put("FlashLayout.tsv", A);
        ReleaseManifest manifest = ReleaseManifest.of("hub3-v1", "FlashLayout.tsv", files);
        assertEquals("{\"files\":{\"FlashLayout.tsv\":\"" + A + "\",\"rootfs.ext4\":\"" + B
                + "\"},\"layout\":\"FlashLayout.tsv\",\"name\":\"hub3-v1\"}", manifest.canonicalJson());
    }

    @Test
    void hashIsTheSha256OfTheCanonicalJsonWhateverTheOrderOfFiles() {
        ReleaseManifest one = ReleaseManifest.of("r", "l.tsv", Map.of("l.tsv", A, "x.bin", B));
        Map<String, String> reversed = new LinkedHashMap<>();
        reversed.put("x.bin", B);
        reversed.put("l.tsv", A);
        ReleaseManifest two = ReleaseManifest.of("r", "l.tsv", reversed);
        assertEquals(one.sha256(), two.sha256());
        assertEquals(ReleaseManifest.sha256(one.canonicalJson().getBytes(StandardCharsets.UTF_8)), one.sha256());
        assertTrue(ReleaseManifest.isSha256(one.sha256()));
        assertNotEquals(one.sha256(), ReleaseManifest.of("r", "l.tsv", Map.of("l.tsv", A, "x.bin", A)).sha256());
    }

    @Test
    void knownVectorSoOtherToolsCanCheckTheirHash() {
        // echo -n '{"files":{"l.tsv":"aaa…"},"layout":"l.tsv","name":"r"}' | sha256sum
        ReleaseManifest manifest = ReleaseManifest.of("r", "l.tsv", Map.of("l.tsv", A));
        assertEquals(ReleaseManifest.sha256(("{\"files\":{\"l.tsv\":\"" + A + "\"},\"layout\":\"l.tsv\",\"name\":\"r\"}")
                .getBytes(StandardCharsets.UTF_8)), manifest.sha256());
    }

    @Test
    void refusesWhatCannotBeAManifest() {
        assertThrows(InvalidValueException.class, () -> ReleaseManifest.of("", "l.tsv", Map.of("l.tsv", A)));
        assertThrows(InvalidValueException.class, () -> ReleaseManifest.of("default", "l.tsv", Map.of("l.tsv", A)));
        assertThrows(InvalidValueException.class, () -> ReleaseManifest.of("a/b", "l.tsv", Map.of("l.tsv", A)));
        assertThrows(InvalidValueException.class, () -> ReleaseManifest.of("r", "l.tsv", Map.of("x.bin", A)));
        assertThrows(InvalidValueException.class, () -> ReleaseManifest.of("r", "l.tsv", Map.of("l.tsv", A.toUpperCase())));
        assertThrows(InvalidValueException.class, () -> ReleaseManifest.of("r", "l.tsv", Map.of("l.tsv", A, "../etc", B)));
        assertThrows(InvalidValueException.class, () -> ReleaseManifest.of("r", "l.tsv", Map.of("l.tsv", A, "a\"b", B)));
        assertThrows(InvalidValueException.class, () -> ReleaseManifest.of("r", "l.tsv", Map.of()));
        assertThrows(InvalidValueException.class, () -> ReleaseManifest.of("r", null, Map.of("l.tsv", A)));
        InvalidValueException e = assertThrows(InvalidValueException.class,
                () -> ReleaseManifest.of("r", "l.tsv", Map.of("l.tsv", "nope")));
        assertTrue(e.getMessage().contains("l.tsv"), e.getMessage());
        assertEquals("sub/rootfs.ext4", ReleaseManifest.of("r", "l.tsv", Map.of("l.tsv", A, "sub/rootfs.ext4", B))
                .files().lastKey());
    }
}
