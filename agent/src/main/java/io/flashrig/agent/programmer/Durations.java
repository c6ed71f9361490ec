package io.flashrig.agent.programmer;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators write them: {@code 90s}, {@code 10m}, {@code 1h}, {@code 500ms}, or ISO-8601 {@code PT90S}. */
public final class Durations {

    private static final Pattern SIMPLE = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

    private Durations() {
    }

    public static Duration parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
            if (!d.isZero()) {
                return d;
            }
        } else if (t.startsWith("pt")) {
            try {
                Duration d = Duration.parse(t);
                if (!d.isNegative() && !d.isZero()) {
                    return d;
                }
            } catch (RuntimeException e) {
                // fall through to the one message below
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a positive duration (write e.g. 90s, 10m, 1h)");
    }

    /** The next wait of an exponential backoff: twice {@code current}, at most {@code max}. */
    public static Duration doubled(Duration current, Duration max) {
        Duration twice = current.multipliedBy(2);
        return twice.compareTo(max) > 0 ? max : twice;
    }

    /** Short human form: {@code 1m05s}, {@code 42s}, {@code 850ms}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        long s = d.toSeconds();
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
