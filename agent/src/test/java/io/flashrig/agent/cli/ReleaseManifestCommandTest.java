package io.flashrig.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.contract.ReleaseManifest;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@code release manifest} on the image the simulator and the demo flash. */
@QuarkusMainTest
class ReleaseManifestCommandTest {

    private static final Path DEMO_LAYOUT = Path.of("..", "demo", "layout", "FlashLayout_emmc_hub3-demo.tsv").toAbsolutePath().normalize();

    @Test
    void printsTheCanonicalManifestOfTheDemoImageWithEveryBinaryItNames(QuarkusMainLauncher launcher) throws Exception {
        LaunchResult result = launcher.launch("release", "manifest", "--layout", DEMO_LAYOUT.toString());
        assertEquals(ExitCodes.OK, result.exitCode(), result.getErrorOutput());
        Map<String, String> expected = new TreeMap<>();
        for (String file : new String[] {"FlashLayout_emmc_hub3-demo.tsv", "tf-a-stm32mp157c-hub3-usb.stm32", "fip-stm32mp157c-hub3-optee.bin",
                "tf-a-stm32mp157c-hub3-emmc.stm32", "bootfs.ext4", "rootfs.ext4"}) {
            expected.put(file, ReleaseManifest.sha256(Files.readAllBytes(DEMO_LAYOUT.resolveSibling(file))));
        }
        String json = result.getOutput().strip();
        assertEquals(ReleaseManifest.of("FlashLayout_emmc_hub3-demo", "FlashLayout_emmc_hub3-demo.tsv", expected).canonicalJson(), json);
        assertTrue(json.startsWith("{\"files\":{\"FlashLayout_emmc_hub3-demo.tsv\":\""), json);
    }

    @Test
    void takesTheNameItIsGiven(QuarkusMainLauncher launcher) {
        LaunchResult result = launcher.launch("release", "manifest", "--layout", DEMO_LAYOUT.toString(), "--name", "hub3-v99.01.09");
        assertEquals(ExitCodes.OK, result.exitCode(), result.getErrorOutput());
        assertTrue(result.getOutput().strip().endsWith("\"layout\":\"FlashLayout_emmc_hub3-demo.tsv\",\"name\":\"hub3-v99.01.09\"}"), result.getOutput());
    }

    @Test
    void refusesABadNameInOneLine(QuarkusMainLauncher launcher) {
        LaunchResult result = launcher.launch("release", "manifest", "--layout", DEMO_LAYOUT.toString(), "--name", "v1/../x");
        assertEquals(ExitCodes.USAGE, result.exitCode());
        assertTrue(result.getErrorOutput().strip().startsWith("flashrig-agent: 'v1/../x' is not a release name"), result.getErrorOutput());
    }

    @Test
    void refusesALayoutWhoseBinaryIsMissing(QuarkusMainLauncher launcher) throws Exception {
        Path dir = Files.createTempDirectory("manifest");
        Path tsv = dir.resolve("FlashLayout.tsv");
        Files.writeString(tsv, "#Opt\tId\tName\tType\tIP\tOffset\tBinary\nP\t0x21\tbootfs\tSystem\tmmc1\t0x0\tbootfs.ext4\n");
        LaunchResult result = launcher.launch("release", "manifest", "--layout", tsv.toString());
        assertEquals(ExitCodes.LAYOUT, result.exitCode());
        assertTrue(result.getErrorOutput().contains("bootfs.ext4"), result.getErrorOutput());
    }
}
