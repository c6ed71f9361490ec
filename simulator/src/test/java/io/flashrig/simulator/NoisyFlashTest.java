package io.flashrig.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The noisy failure must carry every kind of poison a consumer of the programmer's words can meet, and still parse. */
class NoisyFlashTest extends OnBench {

    private static final String SERIAL = "003C00473430511536383631";
    private static final SimulatedBoard NOISY = SimulatedBoard.normal(SERIAL, "1-1.4").withBehaviour(Behaviour.NOISY_FAIL);
    private static final String LAST_ERROR = "Error: Start operation failed at partition 0x01";

    @Test
    void noisyBoardPrintsMegabytesOfGarbledLinesThenFailsWithStatusOne() {
        Programmer.Result result = bench.plugAndFlash(NOISY);

        assertEquals(1, result.status());
        assertTrue(result.bytes().length > 2_000_000, "only " + result.bytes().length + " bytes");
        List<byte[]> lines = lines(result.bytes());
        long longLines = lines.stream().filter(l -> l.length >= 4_500 && l.length <= 6_000).count();
        assertEquals(SimulatedBoard.DEFAULT_NOISE_LINES, longLines);
        assertTrue(result.output().endsWith("\n" + LAST_ERROR + "\n"), () -> tail(result.output()));
        assertFalse(result.output().contains("Flashing service completed successfully"));
        assertEquals(Stage.ROM, bench.hub.board(SERIAL).orElseThrow().stage());
    }

    @Test
    void firstErrorLineIsTwentyKilobytesOfPoisonAfterTheErrorPrefix() {
        Programmer.Result result = bench.plugAndFlash(NOISY.withNoiseLines(3));

        List<byte[]> errors = lines(result.bytes()).stream().filter(l -> startsWith(l, "Error:")).toList();
        assertEquals(2, errors.size());
        byte[] first = errors.get(0);
        assertTrue(first.length >= 20_000 && first.length < 21_000, first.length + " bytes");
        assertPoisoned(first);
        assertEquals(LAST_ERROR, new String(errors.get(1), StandardCharsets.UTF_8));
    }

    @Test
    void everyGarbledLineHoldsNulEscapesOtherControlsAndBytesThatAreNotUtf8() {
        Programmer.Result result = bench.plugAndFlash(NOISY.withNoiseLines(40));

        List<byte[]> garbled = lines(result.bytes()).stream().filter(l -> l.length >= 4_500).toList();
        assertEquals(41, garbled.size());
        garbled.forEach(NoisyFlashTest::assertPoisoned);
    }

    @Test
    void amountOfNoiseFollowsTheBoard() {
        Programmer.Result quiet = bench.plugAndFlash(NOISY.withNoiseLines(0));

        assertEquals(1, quiet.status());
        assertTrue(quiet.bytes().length < 30_000, quiet.bytes().length + " bytes");
        assertTrue(quiet.output().contains("Error: data verification failed at partition 0x01 : "), quiet.output());
    }

    @Test
    void noisyBoardKeepsItsAmountOnTheHub() {
        bench.hub.plug(NOISY.withNoiseLines(7));

        assertEquals(7, bench.hub.board(SERIAL).orElseThrow().noiseLines());
        assertEquals(Behaviour.NOISY_FAIL, bench.hub.board(SERIAL).orElseThrow().behaviour());
    }

    @Test
    void negativeNoiseIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> NOISY.withNoiseLines(-1));
    }

    /** NUL, another C0 control, ESC with a CSI and an OSC, 8-bit CSI, and a byte sequence no UTF-8 decoder accepts. */
    private static void assertPoisoned(byte[] line) {
        String text = new String(line, StandardCharsets.ISO_8859_1);
        assertTrue(text.indexOf('\0') >= 0, "no NUL");
        assertTrue(text.indexOf('\u007F') >= 0 && text.indexOf('\u0008') >= 0, "no DEL or backspace");
        assertTrue(text.contains("\u001B["), "no CSI");
        assertTrue(text.contains("\u001B]0;"), "no OSC title");
        assertTrue(text.contains("\u00C2\u009B"), "no 8-bit CSI");
        assertFalse(text.contains("\n") || text.contains("\r"), "a garbled line must reach the reader whole");
        assertThrows(CharacterCodingException.class,
                () -> StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(line)), "every byte is UTF-8");
    }

    private static List<byte[]> lines(byte[] output) {
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < output.length; i++) {
            if (output[i] == '\n') {
                lines.add(Arrays.copyOfRange(output, start, i));
                start = i + 1;
            }
        }
        return lines;
    }

    private static boolean startsWith(byte[] line, String prefix) {
        byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
        return line.length >= p.length && Arrays.equals(line, 0, p.length, p, 0, p.length);
    }

    private static String tail(String output) {
        return output.substring(Math.max(0, output.length() - 300));
    }
}
