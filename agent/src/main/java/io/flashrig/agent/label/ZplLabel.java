package io.flashrig.agent.label;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A label's layout in ZPL, the language of Zebra and compatible printers, with named placeholders ({@code ${serial}},
 * {@code ${mac}}, {@code ${date}}, {@code ${rig}}) that {@link #render} fills with a {@link Label}'s cleaned fields.
 * A layout is one document, {@code ^XA} … {@code ^XZ}, checked when it is read, so that a mistyped template stops the
 * agent at its start rather than at the first board.
 */
public final class ZplLabel {

    /** The placeholders a template may use. */
    public static final List<String> PLACEHOLDERS = List.of("serial", "mac", "date", "rig");

    /**
     * A 2 × 1 inch label at 203 dpi: serial, MAC in large type, date and rig, and the MAC as a QR code (^BQ, error
     * correction Q, automatic mode). ^CI28 takes the fields as UTF-8, since a rig's name may have any letters.
     */
    static final String BUILT_IN = """
            ^XA
            ^CI28
            ^PW406
            ^LL203
            ^FO16,14^A0N,22,22^FDS/N ${serial}^FS
            ^FO16,46^A0N,30,30^FDMAC ${mac}^FS
            ^FO16,100^FB280,3,2,L^A0N,22,22^FD${date}\\&${rig}^FS
            ^FO306,92^BQN,2,3^FDQA,${mac}^FS
            ^XZ
            """;

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");
    private static final DateTimeFormatter DATE = DateTimeFormatter.ISO_LOCAL_DATE;

    private final String template;

    private ZplLabel(String template) {
        this.template = template;
    }

    /** The built-in layout. */
    public static ZplLabel builtIn() {
        return new ZplLabel(BUILT_IN);
    }

    /**
     * A layout from a template's text.
     *
     * @throws IllegalArgumentException with one sentence when the text is not one ^XA … ^XZ document or names a
     *     placeholder there is no value for
     */
    public static ZplLabel of(String template) {
        String body = template.strip();
        if (!body.startsWith("^XA") || !body.endsWith("^XZ")) {
            throw new IllegalArgumentException("is not one ZPL label: it must start with ^XA and end with ^XZ");
        }
        Matcher m = PLACEHOLDER.matcher(body);
        while (m.find()) {
            if (!PLACEHOLDERS.contains(m.group(1))) {
                throw new IllegalArgumentException("names the unknown placeholder ${" + m.group(1) + "}: use "
                        + String.join(", ", PLACEHOLDERS.stream().map(p -> "${" + p + "}").toList()));
            }
        }
        return new ZplLabel(body + "\n");
    }

    /** The ZPL document of {@code label}, its date as the rig's calendar in {@code zone} shows it. */
    public String render(Label label, ZoneId zone) {
        Map<String, String> values = Map.of("serial", label.serial(), "mac", label.mac(),
                "date", DATE.format(label.verifiedAt().atZone(zone)), "rig", label.rig());
        return PLACEHOLDER.matcher(template).replaceAll(m -> Matcher.quoteReplacement(values.get(m.group(1))));
    }
}
