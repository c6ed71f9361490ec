package io.flashrig.server.testing;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.jboss.logmanager.ExtLogRecord;

/**
 * The server's log records while it is open, for tests of what an operator reads in the log: a warning or an error
 * there must mean something. The server under test runs in the test's JVM and logs through java.util.logging.
 */
public final class CapturedLog extends Handler implements AutoCloseable {

    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    /** Loggers switched to debug while open, with the level each had; held here so that they are not collected. */
    private final Map<Logger, Level> debugging = new HashMap<>();

    private CapturedLog() {
    }

    public static CapturedLog start() {
        CapturedLog log = new CapturedLog();
        Logger.getLogger("").addHandler(log);
        return log;
    }

    /** Also captures the debug records of this class's logger, until closed. */
    public CapturedLog withDebug(Class<?> category) {
        Logger logger = Logger.getLogger(category.getName());
        debugging.putIfAbsent(logger, logger.getLevel());
        logger.setLevel(Level.FINE);
        return this;
    }

    /** The records at WARNING or above, each as "LEVEL logger: message (exception)", for assertion messages. */
    public List<String> warningsAndErrors() {
        return records.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
                .map(r -> r.getLevel() + " " + r.getLoggerName() + ": " + message(r)
                        + (r.getThrown() == null ? "" : " (" + r.getThrown() + ")"))
                .collect(Collectors.toList());
    }

    /** The messages this class's logger wrote, at any level. */
    public List<String> messages(Class<?> category) {
        return records.stream().filter(r -> category.getName().equals(r.getLoggerName()))
                .map(CapturedLog::message).collect(Collectors.toList());
    }

    private static String message(LogRecord r) {
        return r instanceof ExtLogRecord ext ? ext.getFormattedMessage() : r.getMessage();
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
        debugging.forEach(Logger::setLevel);
    }
}
