package io.flashrig.agent.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.agent.programmer.FlashLayout;
import io.flashrig.contract.ReleaseManifest;
import io.flashrig.proto.rig.v1.ReleasePin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageGateTest {

    @TempDir
    Path dir;

    private static FlashLayout image(Path folder, byte rootfsByte) throws Exception {
        Files.createDirectories(folder);
        Files.write(folder.resolve("tf-a.stm32"), new byte[2048]);
        byte[] rootfs = new byte[50_000];
        rootfs[0] = rootfsByte;
        Files.write(folder.resolve("rootfs.ext4"), rootfs);
        Path tsv = folder.resolve("FlashLayout_emmc.tsv");
        Files.writeString(tsv, "#Opt\tId\tName\tType\tIP\tOffset\tBinary\n"
                + "-\t0x01\tfsbl-boot\tBinary\tnone\t0x0\ttf-a.stm32\n"
                + "P\t0x23\trootfs\tFileSystem\tmmc1\t0x04480000\trootfs.ext4\n");
        return FlashLayout.read(tsv);
    }

    private static ReleasePin pin(ReleaseManifest m) {
        return ReleasePin.newBuilder().setReleaseName(m.name()).setManifestSha256(m.sha256()).setLayoutName(m.layout())
                .putAllFileSha256(m.files()).build();
    }

    @Test
    void withoutAReleaseTheRigFlashesItsOwnLayout() throws Exception {
        FlashLayout layout = image(dir.resolve("v1"), (byte) 1);
        ImageGate.Flash flash = assertInstanceOf(ImageGate.Flash.class, ImageGate.fixed(layout).check());
        assertEquals(layout, flash.layout());
        assertTrue(flash.release().isEmpty());
    }

    @Test
    void theImageIsHashedOncePerContentNotPerBoard() throws Exception {
        FlashLayout layout = image(dir.resolve("v1"), (byte) 1);
        ImageHashes hashes = new ImageHashes();
        ReleaseManifest manifest = LocalImage.manifest(layout, Optional.of("v1"), new ImageHashes());
        ImageGate gate = new ImageGate(layout, Optional.empty(), hashes, Optional.empty());
        gate.pinned(Optional.of(pin(manifest)));
        for (int board = 0; board < 20; board++) {
            assertEquals("v1", assertInstanceOf(ImageGate.Flash.class, gate.check()).release().orElseThrow().getReleaseName());
        }
        assertEquals(3, hashes.reads(), "the layout and its two binaries, each once");
    }

    @Test
    void aMissingFileOrAManifestThatDoesNotAddUpIsRefusedNamingIt() throws Exception {
        FlashLayout layout = image(dir.resolve("v1"), (byte) 1);
        ReleaseManifest manifest = LocalImage.manifest(layout, Optional.of("v1"), new ImageHashes());
        Files.delete(dir.resolve("v1").resolve("tf-a.stm32"));
        ImageGate.Refuse missing = assertInstanceOf(ImageGate.Refuse.class,
                ImageGate.checkOnce(layout, Optional.empty(), Optional.of(pin(manifest))));
        assertTrue(missing.message().contains("tf-a.stm32"), missing.message());

        ReleasePin tampered = pin(manifest).toBuilder().putFileSha256("rootfs.ext4", "0".repeat(64)).build();
        ImageGate.Refuse refused = assertInstanceOf(ImageGate.Refuse.class, ImageGate.checkOnce(layout, Optional.empty(), Optional.of(tampered)));
        assertTrue(refused.message().contains("does not match its manifest hash"), refused.message());
    }

    @Test
    void imagesFindsTheReleasesLayoutByHashAmongImageFolders() throws Exception {
        Path images = dir.resolve("images");
        FlashLayout v1 = image(images.resolve("hub3-v1"), (byte) 1);
        FlashLayout v2 = image(images.resolve("hub3-v2"), (byte) 2);
        ReleaseManifest release2 = LocalImage.manifest(v2, Optional.of("hub3-v2"), new ImageHashes());
        // The two layouts are the same file byte for byte: the binaries tell them apart.
        ImageGate gate = new ImageGate(v1, Optional.of(images), new ImageHashes(), Optional.empty());
        gate.pinned(Optional.of(pin(release2)));
        ImageGate.Flash flash = assertInstanceOf(ImageGate.Flash.class, gate.check());
        assertEquals(images.resolve("hub3-v2").resolve("FlashLayout_emmc.tsv").toAbsolutePath(), flash.layout().file());

        ReleaseManifest release1 = LocalImage.manifest(v1, Optional.of("hub3-v1"), new ImageHashes());
        gate.pinned(Optional.of(pin(release1)));
        assertEquals(images.resolve("hub3-v1").resolve("FlashLayout_emmc.tsv").toAbsolutePath(),
                assertInstanceOf(ImageGate.Flash.class, gate.check()).layout().file(), "switching release needs nothing done on the rig");

        Files.delete(images.resolve("hub3-v1").resolve("FlashLayout_emmc.tsv"));
        Files.delete(images.resolve("hub3-v2").resolve("FlashLayout_emmc.tsv"));
        ImageGate.Refuse none = assertInstanceOf(ImageGate.Refuse.class, gate.check());
        assertTrue(none.message().startsWith("no image folder in " + images), none.message());
    }

    @Test
    void theLastPinIsKeptPrivatelySoAnOfflineRigKeepsFlashingIt() throws Exception {
        FlashLayout layout = image(dir.resolve("v1"), (byte) 1);
        ReleaseManifest manifest = LocalImage.manifest(layout, Optional.of("v1"), new ImageHashes());
        Path file = dir.resolve("state").resolve("release-pin");
        Files.createDirectories(file.getParent());
        ImageGate first = new ImageGate(layout, Optional.empty(), new ImageHashes(), Optional.of(new PinStore(file)));
        first.pinned(Optional.of(pin(manifest)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

        // The agent restarts while the server is away: the pin is there before any answer.
        ImageGate restarted = new ImageGate(layout, Optional.empty(), new ImageHashes(), Optional.of(new PinStore(file)));
        assertEquals(Optional.of(pin(manifest)), restarted.pin());
        assertEquals("v1", assertInstanceOf(ImageGate.Flash.class, restarted.check()).release().orElseThrow().getReleaseName());

        restarted.pinned(Optional.empty());
        assertTrue(Files.notExists(file), "the server gives no release any more: nothing is kept");
        assertTrue(new ImageGate(layout, Optional.empty(), new ImageHashes(), Optional.of(new PinStore(file))).pin().isEmpty());
    }
}
