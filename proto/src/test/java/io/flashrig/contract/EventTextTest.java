package io.flashrig.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventTextTest {

    @Test
    void nulBytesAndOtherControlCharactersNeverSurvive() {
        assertEquals("Error: start failed", EventText.clean("Error:\u0000 start\u0007 failed\u0000", 100));
        assertEquals("a b c d", EventText.clean("a\tb\nc\r\nd".replace("\r\n", "\n"), 100));
        assertEquals("x y", EventText.clean("x\u0085\u2028y", 100));
    }

    @Test
    void terminalEscapeSequencesAreDroppedWholeNotLeftAsDebris() {
        assertEquals("   40% [=====     ]", EventText.clean("\u001B[2K\r  40% [\u001B[32m=====\u001B[0m     ]", 100));
        assertEquals("title gone", EventText.clean("\u001B]0;evil title\u0007title gone", 100));
        assertEquals("osc with st", EventText.clean("\u001B]8;;http://x\u001B\\osc with st", 100));
        assertEquals("8-bit csi", EventText.clean("\u009B31m8-bit csi", 100));
        assertEquals("charset", EventText.clean("\u001B(Bcharset", 100));
        assertEquals("trailing", EventText.clean("trailing\u001B[", 100));
        assertEquals("lone", EventText.clean("lone\u001B", 100));
    }

    @Test
    void printableUnicodeOfAnyScriptIsKept() {
        String text = "Fehler: Überprüfung fehlgeschlagen – 校验失败 😀 ✓";
        assertSame(text, EventText.clean(text, 100));
    }

    @Test
    void halfCharactersFromBrokenBytesBecomeTheReplacementCharacter() {
        assertEquals("a\uFFFDb\uFFFD", EventText.clean("a\uD800b\uDC00", 100));
    }

    @Test
    void aLongFieldIsClippedToItsLimitAndSaysSo() {
        String clipped = EventText.clean("x".repeat(20_000), EventText.MESSAGE);
        assertEquals(EventText.MESSAGE, clipped.length());
        assertTrue(clipped.endsWith(EventText.CLIPPED));
        assertEquals("abc", EventText.clean("abc", 3));
        assertEquals("ab" + EventText.CLIPPED, EventText.clean("abcd", 3));
    }

    @Test
    void clippingNeverSplitsACharacterInTwo() {
        String clipped = EventText.clean("ab😀cdef", 4);
        assertEquals("ab" + EventText.CLIPPED, clipped);
        assertTrue(EventText.isPlain(clipped));
    }

    @Test
    void cleanTextCleansToItselfAndNullStaysNull() {
        String once = EventText.clean("\u001B[1mbold\u001B[0m\u0000 and " + "y".repeat(2_000), EventText.MESSAGE);
        assertEquals(once, EventText.clean(once, EventText.MESSAGE));
        assertNull(EventText.clean(null, 10));
    }

    @Test
    void theTailKeepsTheLastLinesAndSaysHowManyWereLeftOut() {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 300; i++) {
            lines.add("line " + i + "\u0000 " + "z".repeat(5_000));
        }
        List<String> tail = EventText.cleanTail(lines, EventText.OUTPUT_TAIL_LINES, EventText.OUTPUT_LINE);
        assertEquals(EventText.OUTPUT_TAIL_LINES, tail.size());
        assertTrue(tail.get(0).startsWith(EventText.CLIPPED + " (280 earlier lines left out) line 281 "), tail.get(0));
        assertTrue(tail.get(19).startsWith("line 300 z"));
        tail.forEach(line -> assertTrue(line.length() <= EventText.OUTPUT_LINE && EventText.isPlain(line)));
        assertEquals(List.of("a", "b"), EventText.cleanTail(List.of("a", "b"), 20, 10));
    }
}
