package io.flashrig.agent.label;

import java.io.IOException;
import java.time.Duration;

/** Where labels go: a printer that takes one ZPL document at a time. */
public interface LabelPrinter {

    /** Sends one label; returns once the printer has taken all of it. */
    void print(String zpl) throws IOException;

    /** The printer as the operator named it, for messages. */
    String name();

    /** The longest one {@link #print} can take before it fails on its own, printer away or hung included. */
    Duration longestPrint();
}
