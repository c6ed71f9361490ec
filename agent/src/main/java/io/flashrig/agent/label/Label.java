package io.flashrig.agent.label;

import java.time.Instant;

/**
 * What one board's label says. Every text field is cleaned on the way in ({@link #clean}): a serial comes from the
 * board, a rig name from the server, and none of them may carry a ZPL command or a line break into the printer.
 *
 * @param serial the board's serial
 * @param mac its MAC as verified in OTP, canonical form
 * @param verifiedAt when the MAC was verified (the label shows its date)
 * @param rig the rig's name; empty while the agent does not know it yet
 */
public record Label(String serial, String mac, Instant verifiedAt, String rig) {

    /** Longest field a label carries; a serial is 24 characters, a MAC 17, a rig name rarely more than 30. */
    static final int MAX_FIELD = 64;

    public Label {
        serial = clean(serial);
        mac = clean(mac);
        rig = clean(rig);
    }

    /** This label with the rig's name, for one queued before the agent knew it. */
    Label withRig(String name) {
        return new Label(serial, mac, verifiedAt, name);
    }

    /** The board and MAC a label is for: one label per board per verified MAC. */
    String key() {
        return serial + " " + mac;
    }

    /**
     * {@code text} without ZPL's two command prefixes ({@code ^} and {@code ~}) and control characters (a line break or
     * a NUL would end the field or the document early), at most {@value #MAX_FIELD} characters.
     */
    static String clean(String text) {
        StringBuilder sb = new StringBuilder(Math.min(text.length(), MAX_FIELD));
        text.codePoints().filter(c -> c != '^' && c != '~' && !Character.isISOControl(c) && Character.getType(c) != Character.FORMAT)
                .limit(MAX_FIELD).forEach(sb::appendCodePoint);
        return sb.toString().strip();
    }
}
