package io.flashrig.agent.ui;

import io.flashrig.agent.programmer.Durations;
import io.flashrig.contract.EventText;
import io.flashrig.contract.WireNames;
import io.flashrig.proto.rig.v1.FlashJobState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;

/**
 * The table's screen for a given terminal size: a summary line, a header, one line per board and the latest messages.
 * No line is wider than the screen and there are no more lines than it has rows, so that a redraw in place never
 * wraps or scrolls.
 *
 * <p>What an operator needs at a glance comes first and is dropped last: the UNPLUG and FAILED cues, the slot, the
 * serial, the progress and a few words of why. The progress bar, MAC, elapsed time and power-up order come and go
 * with the width; long text is cut with an ellipsis (the whole of it is in the plain log lines and the attempt's log).
 * With more boards than rows, unplugged boards fold away first, and the summary line says how many are hidden.
 */
final class TableLayout {

    /** Fewest columns a note keeps before an optional column is given room. */
    static final int NOTE_MIN = 24;
    private static final int GAP = 2;
    private static final int BAR = 10;
    private static final int SERIAL_MIN = 12;
    private static final int CUE_MIN = 8;
    /** The messages below the table keep at least this many rows while boards are hidden for lack of room. */
    private static final int MESSAGES_MIN = 2;

    private static final AttributedStyle UNPLUG = AttributedStyle.BOLD.foreground(AttributedStyle.GREEN).inverse();
    private static final AttributedStyle FAILED = AttributedStyle.BOLD.foreground(AttributedStyle.RED).inverse();
    private static final AttributedStyle FAILED_NOTE = AttributedStyle.DEFAULT.foreground(AttributedStyle.RED);
    private static final AttributedStyle GONE = AttributedStyle.DEFAULT.faint();
    private static final AttributedStyle LABEL_WAITS = AttributedStyle.DEFAULT.foreground(AttributedStyle.YELLOW);
    private static final AttributedStyle HEADER = AttributedStyle.BOLD;

    private TableLayout() {
    }

    /** The column set and widths for one draw. */
    private record Columns(int cue, int place, int order, int serial, int progress, boolean bar, int mac, int elapsed, int note) {
    }

    /**
     * The screen for {@code rows} and {@code messages} (oldest first) at {@code width} × {@code height}; a height of 0
     * means no limit (a snapshot for a log or the scrollback).
     */
    static List<AttributedString> render(Collection<BoardRow> rows, List<String> messages, Instant now, int width, int height,
            String extra) {
        int usable = Math.max(20, width - 1);
        List<BoardRow> onHub = rows.stream().filter(r -> !r.unplugged()).sorted(BoardRow.SLOT_ORDER).toList();
        List<BoardRow> gone = rows.stream().filter(BoardRow::unplugged)
                .sorted(Comparator.comparing(BoardRow::unpluggedAt).thenComparingInt(BoardRow::order).reversed()).toList();

        int reserved = height == 0 || messages.isEmpty() ? 0 : MESSAGES_MIN + 1;
        int boardRows = height == 0 ? rows.size() : Math.max(1, height - 2 - reserved);
        List<BoardRow> shown = fold(onHub, gone, boardRows);
        int hidden = rows.size() - shown.size();
        int messageRows = messages.isEmpty() ? 0 : height == 0 ? Integer.MAX_VALUE : Math.max(0, height - 3 - shown.size());

        List<AttributedString> lines = new ArrayList<>();
        lines.add(fit(summary(rows, hidden, extra), usable));
        Columns c = columns(shown, usable);
        lines.add(fit(header(c), usable));
        for (BoardRow r : shown) {
            lines.add(fit(line(r, c, now), usable));
        }
        if (messageRows > 0) {
            lines.add(AttributedString.EMPTY);
            // Messages wrap rather than being cut: this is where the operator reads the whole of a failure.
            List<AttributedString> wrapped = messages.stream()
                    .flatMap(m -> wrap(m, usable).stream()).map(AttributedString::new).toList();
            lines.addAll(wrapped.subList(Math.max(0, wrapped.size() - messageRows), wrapped.size()));
        }
        return lines;
    }

    /**
     * The boards that get a row: first those ready to unplug or failed (the operator must act on them), then the rest
     * on the hub, then the most recently unplugged; in slot order on the screen, the unplugged below.
     */
    private static List<BoardRow> fold(List<BoardRow> onHub, List<BoardRow> gone, int room) {
        if (onHub.size() + gone.size() <= room) {
            List<BoardRow> all = new ArrayList<>(onHub);
            all.addAll(gone);
            return all;
        }
        List<BoardRow> kept = new ArrayList<>();
        onHub.stream().filter(r -> r.unplugNow() || r.failed()).limit(room).forEach(kept::add);
        onHub.stream().filter(r -> !(r.unplugNow() || r.failed())).limit(Math.max(0, room - kept.size())).forEach(kept::add);
        kept.sort(BoardRow.SLOT_ORDER);
        gone.stream().limit(Math.max(0, room - kept.size())).forEach(kept::add);
        return kept;
    }

    private static AttributedString summary(Collection<BoardRow> rows, int hidden, String extra) {
        long unplug = rows.stream().filter(BoardRow::unplugNow).count();
        long failed = rows.stream().filter(r -> r.failed() && !r.unplugged()).count();
        long working = rows.stream().filter(r -> !r.unplugged() && r.ended() == null).count();
        long done = rows.stream().filter(r -> r.state() == FlashJobState.FLASH_JOB_STATE_DONE).count();
        AttributedStringBuilder sb = new AttributedStringBuilder().style(HEADER).append("FlashRig").style(AttributedStyle.DEFAULT);
        sb.append("  ");
        if (unplug > 0) {
            sb.styled(UNPLUG, " UNPLUG " + unplug + " ").append("  ");
        }
        if (failed > 0) {
            sb.styled(FAILED, " FAILED " + failed + " ").append("  ");
        }
        sb.append(working + " working · " + done + " done");
        if (hidden > 0) {
            sb.append(" · ").styled(AttributedStyle.BOLD, hidden + " hidden");
        }
        if (!extra.isEmpty()) {
            sb.append(" · " + extra);
        }
        return sb.toAttributedString();
    }

    private static Columns columns(List<BoardRow> shown, int width) {
        int cue = Math.max("STATE".length(), shown.stream().mapToInt(r -> cue(r).length()).max().orElse(0));
        int place = Math.max("SLOT".length(), shown.stream().mapToInt(r -> r.place().length()).max().orElse(0));
        int serial = Math.max("SERIAL".length(), shown.stream().mapToInt(r -> r.serial().length()).max().orElse(0));
        boolean slotMap = shown.stream().anyMatch(r -> !r.slot().isEmpty());
        int progress = 4;
        int base = cue + place + serial + progress + 4 * GAP;
        int note = width - base;
        if (note < NOTE_MIN) {
            int cut = Math.min(serial - SERIAL_MIN, NOTE_MIN - note);
            serial -= Math.max(0, cut);
            note = width - (cue + place + serial + progress + 4 * GAP);
        }
        if (note < NOTE_MIN) {
            int cut = Math.min(cue - CUE_MIN, NOTE_MIN - note);
            cue -= Math.max(0, cut);
            note = width - (cue + place + serial + progress + 4 * GAP);
        }
        boolean bar = false;
        int mac = 0;
        int elapsed = 0;
        int order = 0;
        if (note - (BAR + 1) >= NOTE_MIN) {
            bar = true;
            note -= BAR + 1;
        }
        if (note - (17 + GAP) >= NOTE_MIN) {
            mac = 17;
            note -= 17 + GAP;
        }
        if (note - (7 + GAP) >= NOTE_MIN) {
            elapsed = 7;
            note -= 7 + GAP;
        }
        if (slotMap && note - (5 + GAP) >= NOTE_MIN) {
            order = 5;
            note -= 5 + GAP;
        }
        return new Columns(cue, place, order, serial, progress, bar, mac, elapsed, Math.max(0, note));
    }

    private static AttributedString header(Columns c) {
        AttributedStringBuilder sb = new AttributedStringBuilder().style(HEADER);
        cell(sb, "STATE", c.cue(), false);
        cell(sb, "SLOT", c.place(), false);
        if (c.order() > 0) {
            cell(sb, "ORDER", c.order(), true);
        }
        cell(sb, "SERIAL", c.serial(), false);
        cell(sb, c.bar() ? "PROGRESS" : "%", c.progress() + (c.bar() ? BAR + 1 : 0), !c.bar());
        if (c.mac() > 0) {
            cell(sb, "MAC", c.mac(), false);
        }
        if (c.elapsed() > 0) {
            cell(sb, "ELAPSED", c.elapsed(), true);
        }
        sb.append("NOTE");
        return sb.toAttributedString();
    }

    private static AttributedString line(BoardRow r, Columns c, Instant now) {
        AttributedStringBuilder sb = new AttributedStringBuilder();
        String cue = clip(cue(r), c.cue());
        AttributedStyle cueStyle = r.unplugNow() ? UNPLUG : r.failed() && !r.unplugged() ? FAILED : r.unplugged() ? GONE : AttributedStyle.DEFAULT;
        sb.styled(cueStyle, cue);
        sb.append(" ".repeat(c.cue() - cue.length() + GAP));
        AttributedStyle rest = r.unplugged() ? GONE : AttributedStyle.DEFAULT;
        sb.style(rest);
        cell(sb, r.place(), c.place(), false);
        if (c.order() > 0) {
            cell(sb, Integer.toString(r.order()), c.order(), true);
        }
        cell(sb, r.serial().length() > c.serial() ? EventText.CLIPPED + r.serial().substring(r.serial().length() - c.serial() + 1)
                : r.serial(), c.serial(), false);
        String percent = r.progress() + "%";
        if (c.bar()) {
            int filled = Math.min(BAR, r.progress() * BAR / 100);
            sb.append("█".repeat(filled)).append("░".repeat(BAR - filled)).append(" ");
        }
        cell(sb, percent, c.progress(), true);
        if (c.mac() > 0) {
            cell(sb, r.mac(), c.mac(), false);
        }
        if (c.elapsed() > 0) {
            Instant end = r.ended() == null ? now : r.ended();
            cell(sb, Durations.format(Duration.between(r.since(), end)), c.elapsed(), true);
        }
        String note = c.mac() > 0 && r.note().equals("MAC " + r.mac()) ? "" : EventText.clean(r.note(), EventText.MESSAGE);
        if (!r.label().isEmpty()) {
            // The label leads, and stands alone where both do not fit: the MAC is on the label itself and in the
            // messages, while a label still waiting needs the operator.
            String both = r.label() + " · " + note;
            note = note.isEmpty() || both.length() > c.note() ? r.label() : both;
        }
        sb.styled(r.failed() && !r.unplugged() ? FAILED_NOTE : r.labelWaits() && !r.unplugged() ? LABEL_WAITS : rest, note);
        return sb.toAttributedString();
    }

    /** The state word, strongest first: what the operator must do, then what the board is doing. */
    static String cue(BoardRow r) {
        if (r.unplugged()) {
            return r.state() == FlashJobState.FLASH_JOB_STATE_INTERRUPTED ? "pulled" : "unplugged";
        }
        if (r.unplugNow()) {
            return "UNPLUG";
        }
        if (r.failed()) {
            return "FAILED";
        }
        return WireNames.words(r.state());
    }

    private static void cell(AttributedStringBuilder sb, String text, int width, boolean right) {
        String t = clip(text, width);
        String pad = " ".repeat(width - t.length());
        sb.append(right ? pad + t : t + pad).append(" ".repeat(GAP));
    }

    private static String clip(String text, int width) {
        return text.length() <= width ? text : text.substring(0, Math.max(0, width - 1)) + EventText.CLIPPED;
    }

    /** The text in lines of at most {@code width} characters, broken at spaces where it has them. */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        String rest = text;
        while (rest.length() > width) {
            int space = rest.lastIndexOf(' ', width);
            int cut = space > width / 2 ? space : width;
            lines.add(rest.substring(0, cut));
            rest = rest.substring(cut).stripLeading();
        }
        lines.add(rest);
        return lines;
    }

    /** The line cut to {@code width} columns, ending with an ellipsis when something was cut. */
    static AttributedString fit(AttributedString line, int width) {
        if (line.columnLength() <= width) {
            return line;
        }
        AttributedStringBuilder sb = new AttributedStringBuilder();
        sb.append(line.columnSubSequence(0, width - 1));
        sb.append(EventText.CLIPPED);
        return sb.toAttributedString();
    }
}
