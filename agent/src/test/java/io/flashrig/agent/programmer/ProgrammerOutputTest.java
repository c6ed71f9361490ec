package io.flashrig.agent.programmer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.contract.MacAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parsers, fed with the output samples of the reference file. */
class ProgrammerOutputTest {

    private static final String BANNER = """
                  -------------------------------------------------------------------
                                    STM32CubeProgrammer v2.17.0
                  -------------------------------------------------------------------

            """;

    @TempDir
    Path dir;

    @Test
    void splitsOnCarriageReturnsSoEveryProgressRedrawIsALine() {
        List<String> lines = new ArrayList<>();
        LineSplitter splitter = new LineSplitter(lines::add);
        byte[] bytes = "Download in Progress:\r\n[=====          ]  10%\r[==========     ]  66%\r[===============] 100%\n\nFile download complete"
                .getBytes(StandardCharsets.UTF_8);
        splitter.accept(bytes, 0, 30);
        splitter.accept(bytes, 30, bytes.length - 30);
        splitter.finish();
        assertEquals(List.of("Download in Progress:", "[=====          ]  10%", "[==========     ]  66%",
                "[===============] 100%", "File download complete"), lines);
    }

    @Test
    void readsTheDfuListingAndItsVariants() {
        String out = BANNER + """
                =====  DFU Interface   =====

                Total number of available STM32 device in DFU mode: 2

                  Device Index           : USB1
                  USB Bus Number         : 003
                  USB Address Number     : 002
                  Product ID             : DFU in HS Mode @Device ID /0x500, @Revision ID /0x0000
                  Serial number          : 002700223239511737383434
                  Firmware version       : 0x0110
                  Device ID              : 0x0500

                  Device Index           : USB2
                  USB Bus Number         : 003
                  USB Address Number     : 005
                  Product ID             : USB download gadget@Device ID /0x500, @Revision ID /0x2001, @Name /STM32MP157FAC Rev.Z,
                  Serial number          : 003C00473430511536383630
                  Firmware version       : 0x0110
                  Device ID              : 0x0500

                ===== STLink Interface =====
                Error: No debug probe detected.
                  Serial number          : 066DFF555185754867045120
                """;
        UsbListing listing = UsbListing.parse(out.lines().toList());
        assertEquals(2, listing.boards().size());
        assertEquals(new UsbListing.Entry("USB1", "003", "DFU in HS Mode @Device ID /0x500, @Revision ID /0x0000", "002700223239511737383434"),
                listing.boards().get(0));
        assertEquals("003C00473430511536383630", listing.boards().get(1).serial());
        assertEquals(Optional.of("2.17.0"), UsbListing.bannerVersion(out.lines().toList()));

        String none = BANNER + "===== DFU Interface =====\n\nNo STM32 device in DFU mode connected\n";
        assertTrue(UsbListing.parse(none.lines().toList()).boards().isEmpty());
    }

    @Test
    void followsPartitionsAndProgressBarsWeightedBySize() throws Exception {
        Files.write(dir.resolve("tf-a.stm32"), new byte[100]);
        Files.write(dir.resolve("bootfs.ext4"), new byte[300]);
        Path tsv = dir.resolve("layout.tsv");
        Files.writeString(tsv, "#Opt\tId\tName\tType\tIP\tOffset\tBinary\n"
                + "-\t0x01\tfsbl-boot\tBinary\tnone\t0x0\ttf-a.stm32\n"
                + "P\t0x21\tbootfs\tSystem\tmmc1\t0x00080000\tbootfs.ext4\n"
                + "PED\t0x10\tempty\tBinary\tmmc1\t0x0\tnone\n");
        FlashLayout layout = FlashLayout.read(tsv);
        FlashProgressTracker tracker = new FlashProgressTracker(layout);
        List<FlashProgressTracker.Progress> seen = new ArrayList<>();
        for (String line : List.of("Opening and parsing file: tf-a.stm32", "  File          : tf-a.stm32",
                "  Size          : 220,40 KB", "  Partition ID  : 0x01", "Download in Progress:", "[=====     ]  50%",
                "[==========] 100%", "File download complete", "Reconnecting the device ...",
                "  Partition ID  : 0x21", "[=====     ]  50%", "[=====     ]  50%", "[==========] 100%")) {
            tracker.accept(line).ifPresent(seen::add);
        }
        assertEquals(List.of(
                new FlashProgressTracker.Progress("0x01", "fsbl-boot", 0, 0),
                new FlashProgressTracker.Progress("0x01", "fsbl-boot", 50, 12),
                new FlashProgressTracker.Progress("0x01", "fsbl-boot", 100, 25),
                new FlashProgressTracker.Progress("0x21", "bootfs", 0, 25),
                new FlashProgressTracker.Progress("0x21", "bootfs", 50, 62),
                new FlashProgressTracker.Progress("0x21", "bootfs", 100, 100)), seen);
        assertTrue(tracker.sawReconnect());
    }

    @Test
    void aLayoutNamingAMissingBinaryIsRefusedInOneSentence() throws Exception {
        Path tsv = dir.resolve("layout.tsv");
        Files.writeString(tsv, "P\t0x21\tbootfs\tSystem\tmmc1\t0x00080000\tbootfs.ext4\n");
        FlashLayout.InvalidLayoutException e = org.junit.jupiter.api.Assertions.assertThrows(
                FlashLayout.InvalidLayoutException.class, () -> FlashLayout.read(tsv));
        assertTrue(e.getMessage().contains("names bootfs.ext4, which is missing"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        Files.write(dir.resolve("bootfs.ext4"), new byte[] {1});
        FlashLayout layout = FlashLayout.read(tsv);
        assertEquals(64, layout.sha256().length());
        assertEquals("layout.tsv", layout.name());
        org.junit.jupiter.api.Assertions.assertThrows(FlashLayout.InvalidLayoutException.class,
                () -> FlashLayout.read(dir.resolve("absent.tsv")));
    }

    @Test
    void readsOtpWordsAndClassifiesThem() {
        List<String> fused = List.of("OTP Partition read successfully", "  ...", "| Data57 : 0x3821D904", "| Status57 : 0x00000000",
                "| Data58 : 0x0000A830", "| Status58 : 0x00000000");
        OtpReading reading = OtpReading.parse(fused).orElseThrow();
        assertEquals(new OtpReading.Holds(MacAddress.parse("04:d9:21:38:30:a8")), reading.content());

        List<String> blank = List.of("| Data57 : 0x00000000", "| Status57 : 0x00000000", "| Data58 : 0x00000000", "| Status58 : 0x00000000");
        assertInstanceOf(OtpReading.Blank.class, OtpReading.parse(blank).orElseThrow().content());

        List<String> half = List.of("| Data57 : 0x3821D904", "| Status57 : 0x00000000", "| Data58 : 0x00000000", "| Status58 : 0x00000000");
        assertInstanceOf(OtpReading.Inconsistent.class, OtpReading.parse(half).orElseThrow().content());

        List<String> corrupted = List.of("| Data57 : 0x3821D904", "| Status57 : 0x00000000", "| Data58 : 0x0000A831",
                "| Status58 : 0x00000001", "|_[00] Invalid");
        OtpReading bad = OtpReading.parse(corrupted).orElseThrow();
        assertTrue(bad.invalid58());
        assertFalse(bad.invalid57());
        assertInstanceOf(OtpReading.Inconsistent.class, bad.content());

        assertTrue(OtpReading.parse(List.of("| Data57 : 0x3821D904", "| Status57 : 0x00000000")).isEmpty());
    }

    @Test
    void successNeedsExitZeroTheSuccessLineAndNoErrorLine() {
        ProgrammerRun ok = new ProgrammerRun(0, false, Optional.empty(), List.of(), List.of(), true, true, Duration.ofSeconds(1));
        assertTrue(ok.succeeded());
        ProgrammerRun exitZeroWithError = new ProgrammerRun(0, false, Optional.empty(),
                List.of("Error: Start operation failed at partition 0x01"), List.of(), true, true, Duration.ofSeconds(1));
        assertFalse(exitZeroWithError.succeeded());
        assertEquals("Error: Start operation failed at partition 0x01", exitZeroWithError.failureMessage());
        assertFalse(new ProgrammerRun(0, false, Optional.empty(), List.of(), List.of(), false, true, Duration.ZERO).succeeded());
        assertFalse(new ProgrammerRun(1, false, Optional.empty(), List.of(), List.of(), true, true, Duration.ZERO).succeeded());
        ProgrammerRun notReadToEnd = new ProgrammerRun(0, false, Optional.empty(), List.of(), List.of(), true, false, Duration.ZERO);
        assertFalse(notReadToEnd.succeeded(), "what was not read may hold an error");
        assertTrue(notReadToEnd.failureMessage().contains("could not take in the programmer's output to its end"), notReadToEnd.failureMessage());
    }

    @Test
    void durationsAreWrittenTheWayOperatorsWriteThem() {
        assertEquals(Duration.ofSeconds(90), Durations.parse("90s"));
        assertEquals(Duration.ofMinutes(10), Durations.parse("10m"));
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
        assertEquals(Duration.ofSeconds(90), Durations.parse("PT90S"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Durations.parse("soon"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Durations.parse("0s"));
        assertEquals("1m05s", Durations.format(Duration.ofSeconds(65)));
    }

    @Test
    void locatesTheProgrammerOnPathThenAtTheStandardPlace() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path home = dir.resolve("home");
        Path standard = Files.createDirectories(home.resolve("STMicroelectronics/STM32Cube/STM32CubeProgrammer/bin"));
        ProgrammerLocator locator = new ProgrammerLocator("Linux", java.util.Map.of("PATH", bin.toString()), home);
        assertTrue(locator.locate(Optional.empty()).isEmpty());
        Path installed = Files.createFile(standard.resolve("STM32_Programmer_CLI"));
        installed.toFile().setExecutable(true);
        assertEquals(Optional.of(installed), locator.locate(Optional.empty()));
        Path onPath = Files.createFile(bin.resolve("STM32_Programmer_CLI"));
        onPath.toFile().setExecutable(true);
        assertEquals(Optional.of(onPath), locator.locate(Optional.empty()));
        assertTrue(locator.locate(Optional.of(dir.resolve("nope"))).isEmpty());
        assertTrue(new ProgrammerLocator("Mac OS X", java.util.Map.of(), home).candidates().get(0).toString().contains("Contents/MacOs/bin"));
    }

    @Test
    void backoffDoublesUpToItsCap() {
        assertEquals(Duration.ofSeconds(2), Durations.doubled(Duration.ofSeconds(1), Duration.ofSeconds(30)));
        assertEquals(Duration.ofSeconds(30), Durations.doubled(Duration.ofSeconds(20), Duration.ofSeconds(30)));
        assertEquals(Duration.ofSeconds(30), Durations.doubled(Duration.ofSeconds(30), Duration.ofSeconds(30)));
    }
}
