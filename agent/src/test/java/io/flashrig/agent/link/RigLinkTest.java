package io.flashrig.agent.link;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashrig.agent.Eventually;
import io.flashrig.contract.EventText;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.BoardFailed;
import io.flashrig.proto.rig.v1.OpenSessionRequest;
import io.flashrig.proto.rig.v1.WaitingForMac;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RigLinkTest {

    @TempDir
    Path dir;

    private static BoardEvent event(int n) {
        return BoardEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setSerial("003C00473430511536383630")
                .setWaitingForMac(WaitingForMac.newBuilder().setMessage("event " + n)).build();
    }

    @Test
    void eventsQueuedWhileTheServerIsDownArriveOnceAfterItReturns() throws Exception {
        TestRigServer server = new TestRigServer().start();
        EventQueue queue = EventQueue.open(dir, 1000);
        try (RigChannel channel = new RigChannel(ServerAddress.parse(server.url()), TestRigServer.TOKEN);
                RigLink link = new RigLink(channel, queue, OpenSessionRequest.getDefaultInstance(), Duration.ofMillis(100), Duration.ofMillis(400))) {
            link.start();
            for (int i = 0; i < 7; i++) {
                queue.append(event(i));
            }
            await("the first events are acknowledged").atMost(Eventually.LIMIT).until(() -> queue.size() == 0);
            server.stop();
            await("the link sees the server gone").atMost(Eventually.LIMIT).until(() -> !link.status().connected());
            for (int i = 7; i < 30; i++) {
                queue.append(event(i));
            }
            assertEquals(23, queue.size(), "everything appended while the server is away waits in the queue");
            server.start();
            await("the queued events are delivered after the server returns").atMost(Eventually.LIMIT).until(() -> queue.size() == 0);
        }
        List<String> messages = server.events().stream().map(e -> e.getWaitingForMac().getMessage()).toList();
        assertEquals(IntStream.range(0, 30).mapToObj(i -> "event " + i).toList(), messages, "every event once, in order");
        assertEquals(List.of(), queue.after(0, 100));
        server.stop();
    }

    private static BoardEvent failed(int n, String line, int lines) {
        return BoardEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setSerial("003C00473430511536383630")
                .setFailed(BoardFailed.newBuilder().setMessage("event " + n)
                        .addAllProgrammerOutputTail(IntStream.range(0, lines).mapToObj(i -> i + " " + line).toList())).build();
    }

    private RigLink link(TestRigServer server, EventQueue queue) throws Exception {
        RigChannel channel = new RigChannel(ServerAddress.parse(server.url()), TestRigServer.TOKEN);
        channels.add(channel);
        return new RigLink(channel, queue, OpenSessionRequest.getDefaultInstance(), Duration.ofMillis(50), Duration.ofMillis(400));
    }

    private final List<RigChannel> channels = new java.util.ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void closeChannels() {
        channels.forEach(RigChannel::close);
    }

    /** A queue holding the waiting events 0 … count - 1. */
    private EventQueue queueOf(int count) throws Exception {
        EventQueue queue = EventQueue.open(dir, 1000);
        for (int i = 0; i < count; i++) {
            queue.append(event(i));
        }
        return queue;
    }

    /** Runs a link until {@code queue} is empty; returns how many refused events it counts. */
    private int deliverAll(TestRigServer server, EventQueue queue, String what) throws Exception {
        try (RigLink link = link(server, queue)) {
            link.start();
            await(what).atMost(Eventually.LIMIT).until(() -> queue.size() == 0);
            return link.refusedEvents();
        }
    }

    private static List<String> messages(List<BoardEvent> events) {
        return events.stream().map(e -> e.hasFailed() ? e.getFailed().getMessage() : e.getWaitingForMac().getMessage()).toList();
    }

    private List<String> refusedLines() throws Exception {
        Path file = dir.resolve(RefusedEvents.FILE);
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    @Test
    void aRequestRefusedWholeIsHalvedUntilItsOneBadEventIsFoundRecordedAndSkipped() throws Exception {
        TestRigServer server = new TestRigServer().refuseRequestsWith(e -> e.getWaitingForMac().getMessage().equals("event 13")).start();
        EventQueue queue = queueOf(30);
        long poisoned = 14;
        try (RigLink link = link(server, queue)) {
            link.start();
            await("everything but the poisoned event is delivered").atMost(Eventually.LIMIT).until(() -> queue.size() == 0);
            queue.append(event(30));
            await("delivery goes on after the refusal").atMost(Eventually.LIMIT).until(() -> queue.size() == 0);
            assertEquals(1, link.refusedEvents());
        }
        List<String> expected = IntStream.rangeClosed(0, 30).filter(i -> i != 13).mapToObj(i -> "event " + i).toList();
        assertEquals(expected, messages(server.events()), "the rest arrives once, in order");
        assertEquals(List.of(poisoned), server.skipped(), "only the refused event was skipped");
        long carrying = server.requests().stream().filter(r -> r.contains(poisoned)).count();
        // One refused batch of at most 5, then halves of 3, 2 and 1 at most: never the same batch again and again.
        assertTrue(carrying <= 4, "requests carrying the poisoned event: " + server.requests());
        List<String> refused = refusedLines();
        assertEquals(1, refused.size(), refused.toString());
        assertTrue(refused.get(0).contains("\tsequence=14\t") && refused.get(0).contains("refused-by=agent-isolated")
                && refused.get(0).contains("a value the database cannot store"), refused.get(0));
        String bytes = refused.get(0).substring(refused.get(0).indexOf("event-bytes=") + "event-bytes=".length());
        assertEquals("event 13", BoardEvent.parseFrom(Base64.getDecoder().decode(bytes)).getWaitingForMac().getMessage(),
                "the refused event itself is kept");
        server.stop();
    }

    @Test
    void aServerFailingAgainAndAgainOnTheSameEventsIsTreatedAsRefusingThem() throws Exception {
        TestRigServer server = new TestRigServer().failRequestsWith(io.grpc.Status.Code.INTERNAL,
                e -> e.getWaitingForMac().getMessage().equals("event 1")).start();
        deliverAll(server, queueOf(5), "the rest is delivered despite the server's fault");
        assertEquals(List.of("event 0", "event 2", "event 3", "event 4"), messages(server.events()));
        assertEquals(List.of(2L), server.skipped());
        long carrying = server.requests().stream().filter(r -> r.contains(2L)).count();
        assertTrue(carrying >= RigLink.SERVER_FAULTS_BEFORE_ISOLATING, "a passing fault is retried first: " + server.requests());
        List<String> refused = refusedLines();
        assertEquals(1, refused.size(), refused.toString());
        assertTrue(refused.get(0).contains("INTERNAL"), refused.get(0));
        server.stop();
    }

    @Test
    void aSkippedRefusalSurvivesARestartThoughTheServerCommittedLess() throws Exception {
        TestRigServer server = new TestRigServer().refuseRequestsWith(e -> e.getWaitingForMac().getMessage().equals("event 3")).start();
        EventQueue queue = queueOf(4);
        // The refused event is the last one: nothing after it tells the server to move past it.
        deliverAll(server, queue, "the refused last event leaves the queue");
        queue.close();
        int requestsBefore = server.requests().size();
        EventQueue reopened = EventQueue.open(dir, 1000);
        assertEquals(0, reopened.size(), "the skip is durable");
        reopened.append(event(4));
        assertEquals(1, deliverAll(server, reopened, "the next event is delivered after the restart"));
        assertTrue(server.requests().subList(requestsBefore, server.requests().size()).stream().noneMatch(r -> r.contains(4L)),
                "the refused event is not sent again after the restart: " + server.requests());
        assertEquals(List.of("event 0", "event 1", "event 2", "event 4"), messages(server.events()));
        assertEquals(List.of(4L), server.skipped());
        assertEquals(1, refusedLines().size());
        reopened.close();
        server.stop();
    }

    @Test
    void eventsTheServerRejectsAloneAreRecordedDurablyBeforeTheyLeaveTheQueue() throws Exception {
        TestRigServer server = new TestRigServer().rejectEvents(e -> e.getWaitingForMac().getMessage().equals("event 2")).start();
        deliverAll(server, queueOf(6), "the batch is acknowledged");
        assertEquals(List.of(3L), server.rejected());
        List<String> refused = refusedLines();
        assertEquals(1, refused.size(), refused.toString());
        assertTrue(refused.get(0).contains("\tsequence=3\t") && refused.get(0).contains("refused-by=server")
                && refused.get(0).contains("kind=WAITING_FOR_MAC"), refused.get(0));
        assertEquals(1, RefusedEvents.in(dir).count(), "read back after a restart");
        assertEquals(List.of(), server.skipped());
        server.stop();
    }

    @Test
    void aRejectionThatCannotBeRecordedKeepsTheEventQueuedUntilItCanBe() throws Exception {
        TestRigServer server = new TestRigServer().rejectEvents(e -> e.getWaitingForMac().getMessage().equals("event 1")).start();
        EventQueue queue = queueOf(3);
        Path blocked = dir.resolve(RefusedEvents.FILE);
        try (RigLink link = link(server, queue)) {
            // A folder where the file should be: every record fails, as on a failing disk.
            Files.createDirectory(blocked);
            link.start();
            await("the server rejects the event").atMost(Eventually.LIMIT).until(() -> server.rejected().equals(List.of(2L)));
            await("the failure is reported").atMost(Eventually.LIMIT).until(() -> link.status().problem().contains("cannot record"));
            assertTrue(queue.acknowledged() < 2, "the rejected event stays queued while it cannot be recorded: " + queue.acknowledged());
            Files.delete(blocked);
            await("recorded and acknowledged once the disk takes it").atMost(Eventually.LIMIT).until(() -> queue.size() == 0);
        }
        List<String> refused = refusedLines();
        assertEquals(1, refused.size(), refused.toString());
        assertTrue(refused.get(0).contains("\tsequence=2\t") && refused.get(0).contains("refused-by=server"), refused.get(0));
        server.stop();
    }

    @Test
    void batchesStayWithinTheServersStatedBytesAndAnEventTooLargeAloneIsShortened() throws Exception {
        int limit = 16_384;
        TestRigServer server = new TestRigServer().limitRequestsTo(limit).start();
        EventQueue queue = EventQueue.open(dir, 1000);
        // About 5 KB each: five of them, the most by count, are more than the limit.
        for (int i = 0; i < 8; i++) {
            queue.append(failed(i, "x".repeat(480), 10));
        }
        // Alone about 40 KB (two bytes a character): must be shortened, keeping its newest lines.
        BoardEvent huge = failed(8, "é".repeat(1000), 20);
        queue.append(huge);
        queue.append(event(9));
        try (RigLink link = link(server, queue)) {
            link.start();
            await("every event is delivered").atMost(Eventually.LIMIT).until(() -> queue.size() == 0);
        }
        assertTrue(server.largestRequest() <= limit, "largest request " + server.largestRequest());
        assertEquals(List.of(), server.skipped());
        assertEquals(List.of(), refusedLines(), "nothing was refused");
        assertEquals(IntStream.rangeClosed(0, 9).mapToObj(i -> "event " + i).toList(), messages(server.events()));
        BoardFailed shortened = server.events().get(8).getFailed();
        assertTrue(shortened.getProgrammerOutputTail(0).startsWith("… (") && shortened.getProgrammerOutputTail(0).contains("left out"),
                shortened.getProgrammerOutputTail(0));
        String newest = EventText.clean(huge.getFailed().getProgrammerOutputTail(19), EventText.OUTPUT_LINE);
        assertEquals(newest, shortened.getProgrammerOutputTail(shortened.getProgrammerOutputTailCount() - 1), "the newest line is kept");
        assertTrue(server.requests().stream().allMatch(r -> r.size() < 5), "bounded by bytes, not by count: " + server.requests());
        server.stop();
    }

    @Test
    void aRefusedTokenKeepsEverythingQueued() throws Exception {
        TestRigServer server = new TestRigServer().start();
        EventQueue queue = EventQueue.open(dir, 1000);
        queue.append(event(1));
        try (RigChannel channel = new RigChannel(ServerAddress.parse(server.url()), "wrong");
                RigLink link = new RigLink(channel, queue, OpenSessionRequest.getDefaultInstance(), Duration.ofMillis(100), Duration.ofMillis(400))) {
            link.start();
            await("the refusal is seen").atMost(Eventually.LIMIT).until(() -> !link.status().problem().equals("connecting"));
            assertEquals("token refused: UNAUTHENTICATED: the token is unknown", link.status().problem());
        }
        assertEquals(1, queue.size());
        server.stop();
    }
}
