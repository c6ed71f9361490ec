package io.flashrig.agent.label;

/**
 * A change of one board's label, for the operator.
 *
 * @param serial the board's serial
 * @param mac the MAC on the label
 * @param state where the label is now
 * @param detail why it waits or was dropped, in words; empty when there is nothing to add
 */
public record LabelNotice(String serial, String mac, State state, String detail) {

    /** Where a board's label is. */
    public enum State {
        /** Waiting in the durable queue: the printer is away, or the label is next. */
        QUEUED("label queued"),
        /** Taken by the printer (now, or before this board's current attempt). */
        PRINTED("label printed"),
        /** Not queued: the queue holds as many labels as it may. The board needs a reprint. */
        DROPPED("no label");

        private final String words;

        State(String words) {
            this.words = words;
        }

        /** The state as the operator reads it, e.g. "label queued". */
        public String words() {
            return words;
        }
    }
}
