package io.flashrig.agent.link;

import io.flashrig.proto.rig.v1.BoardEvent;
import java.io.IOException;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Where every board event of the rig goes, in order, while its job's lock is held: first into the durable queue that
 * the link delivers to the server, then to the operator. A disk problem is logged, never thrown: the board goes on.
 */
public final class BoardEventSink implements Consumer<BoardEvent> {

    private static final Logger LOG = Logger.getLogger(BoardEventSink.class);

    private final EventQueue queue;
    private final Consumer<BoardEvent> operator;

    public BoardEventSink(EventQueue queue, Consumer<BoardEvent> operator) {
        this.queue = queue;
        this.operator = operator;
    }

    @Override
    public void accept(BoardEvent event) {
        try {
            queue.append(event);
        } catch (EventQueue.SyncFailed e) {
            LOG.errorf("board event of %s is queued but not yet on disk (%s); it is sent once the disk takes it",
                    event.getSerial(), e.getMessage());
        } catch (IOException e) {
            // The board goes on; the operator sees it, only the server's copy of this event is lost.
            LOG.errorf("board event of %s could not be queued: %s", event.getSerial(), e.getMessage());
        }
        operator.accept(event);
    }
}
