package io.flashrig.agent.usb;

/** What a {@link BoardWatcher} reports. */
public sealed interface BoardWatcherEvent permits BoardWatcherEvent.Attached, BoardWatcherEvent.Detached {

    /** The board concerned. */
    UsbBoard board();

    /** A board appeared on the bus (also after re-enumerating). */
    record Attached(UsbBoard board) implements BoardWatcherEvent {
    }

    /** A board left the bus (also while re-enumerating: that is for the job to judge). */
    record Detached(UsbBoard board) implements BoardWatcherEvent {
    }
}
