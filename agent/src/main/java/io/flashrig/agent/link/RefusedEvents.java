package io.flashrig.agent.link;

import io.flashrig.agent.state.DurableFiles;
import io.flashrig.agent.state.PrivateFiles;
import io.flashrig.contract.EventText;
import io.flashrig.proto.rig.v1.BoardEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The board events that will never be stored on the server, kept on the rig for an engineer: those the server rejected
 * one by one, and those the agent found the server refusing whole requests for. An event leaves the queue this way only
 * after its record here is on disk, so no event is dropped without a trace.
 *
 * <p>On disk: {@code refused-events} beside the queue, appended, one line per event, tab-separated {@code key=value}
 * fields (time, sequence, event id, serial, attempt, kind, who refused it, why) and last the event's bytes in base64, so
 * that the event itself can be read back or delivered by hand. Each line is fsynced before {@link #record} returns. A
 * line torn by a power loss has no line break and is not counted; its event is still queued and is recorded again.
 */
public final class RefusedEvents {

    private static final Logger LOG = Logger.getLogger(RefusedEvents.class);
    static final String FILE = "refused-events";

    /** Who refused an event. */
    public enum RefusedBy {
        /** The server listed it in a response's {@code rejected}. */
        SERVER,
        /** The server refused every request carrying it; the agent isolated it by halving those requests. */
        AGENT_ISOLATED
    }

    private final Path file;
    private final Clock clock;
    /** Event ids recorded already: a refusal found again after a restart is not written twice. */
    private final Set<String> recorded = new HashSet<>();
    /** The file ends in a line torn by a power loss: the next record starts on a line of its own. */
    private boolean torn;

    private RefusedEvents(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    /** The refusals kept in the queue folder {@code queueDir}. */
    public static RefusedEvents in(Path queueDir) throws IOException {
        RefusedEvents refused = new RefusedEvents(queueDir.resolve(FILE), Clock.systemUTC());
        if (Files.exists(refused.file)) {
            String content = Files.readString(refused.file, StandardCharsets.UTF_8);
            int end = content.lastIndexOf('\n');
            refused.torn = end < content.length() - 1;
            for (String line : content.substring(0, end + 1).split("\n")) {
                for (String field : line.split("\t")) {
                    if (field.startsWith("event=")) {
                        refused.recorded.add(field.substring("event=".length()));
                    }
                }
            }
        }
        return refused;
    }

    /** How many events were refused over this queue's life. */
    public synchronized int count() {
        return recorded.size();
    }

    /**
     * Records {@code event} as refused, durably, and says so in the log; does nothing when it was recorded before.
     *
     * @param why the refusal in words, as the server gave it
     */
    public synchronized void record(BoardEvent event, RefusedBy by, String why) throws IOException {
        if (recorded.contains(event.getEventId())) {
            return;
        }
        String reason = EventText.clean(why, EventText.MESSAGE);
        String serial = EventText.clean(event.getSerial(), EventText.NAME);
        String line = (torn ? "\n" : "") + String.join("\t",
                "time=" + clock.instant(),
                "sequence=" + event.getSequence(),
                "event=" + event.getEventId(),
                "serial=" + serial,
                "attempt=" + event.getAttemptId(),
                "kind=" + event.getChangeCase(),
                "refused-by=" + by.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                "why=" + reason,
                "event-bytes=" + Base64.getEncoder().encodeToString(event.toByteArray())) + "\n";
        boolean created = !Files.exists(file);
        try (FileChannel out = PrivateFiles.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer bytes = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
            out.force(true);
            if (created) {
                DurableFiles.syncDirectory(file.toAbsolutePath().getParent());
            }
        } catch (IOException e) {
            // A torn line may be left behind; the next record starts on a fresh one.
            torn = endsTorn();
            throw new IOException("cannot record refused board event " + event.getSequence() + " in " + file + ": " + e, e);
        }
        torn = false;
        recorded.add(event.getEventId());
        LOG.warnf("board event %d (%s of board %s, attempt %s) is refused (%s): %s; it is kept in %s and will not be sent again",
                event.getSequence(), event.getChangeCase(), serial, event.getAttemptId(),
                by == RefusedBy.SERVER ? "rejected by the server" : "isolated by the agent", reason, file);
    }

    /** True when the file ends in part of a line. */
    private boolean endsTorn() {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer last = ByteBuffer.allocate(1);
            return in.size() > 0 && in.read(last, in.size() - 1) == 1 && last.get(0) != '\n';
        } catch (IOException e) {
            // Unreadable now: a line break too many costs nothing, a line glued to a torn one would be misread.
            return true;
        }
    }

    public Path file() {
        return file;
    }
}
