package io.flashrig.simulator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Flash layouts with their binaries, written into a test's folder. */
final class Layouts {

    /** The size that the real tool prints as {@code 220,40 KB}. */
    static final int TF_A_BYTES = 225_690;

    private Layouts() {
    }

    /**
     * A layout shaped like ST's: two boot partitions, two to program, one empty partition without a binary.
     *
     * @return the layout file
     */
    static Path starterPackage(Path folder) throws IOException {
        binary(folder.resolve("tf-a-usb.stm32"), TF_A_BYTES);
        binary(folder.resolve("fip.bin"), 400_000);
        binary(folder.resolve("tf-a.stm32"), TF_A_BYTES);
        binary(folder.resolve("bootfs.ext4"), 2_000_000);
        return Files.writeString(folder.resolve("flashlayout.tsv"), String.join("\n",
                "#Opt\tId\tName\tType\tIP\tOffset\tBinary",
                "-\t0x01\tfsbl-boot\tBinary\tnone\t0x0\ttf-a-usb.stm32",
                "-\t0x03\tfip-boot\tFIP\tnone\t0x0\tfip.bin",
                "P\t0x04\tfsbl1\tBinary\tmmc1\t0x00004400\ttf-a.stm32",
                "",
                "P\t0x21\tbootfs\tSystem\tmmc1\t0x00080000\tbootfs.ext4",
                "PE\t0x22\tvendorfs\tFileSystem\tmmc1\t0x04080000\tnone",
                ""));
    }

    private static void binary(Path file, int bytes) throws IOException {
        Files.write(file, new byte[bytes]);
    }
}
