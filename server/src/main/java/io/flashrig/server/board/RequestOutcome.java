package io.flashrig.server.board;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What writing some events of a request left: why some were refused (by sequence), the attempts that ended, new refusals. */
final class RequestOutcome {

    /** A flash attempt that one of the events ended, for the metrics. */
    record Ended(String outcome, Duration duration) {
    }

    final Map<Long, String> problems = new HashMap<>();
    final List<Ended> ended = new ArrayList<>();
    int newlyRejected;
    String lastRejection;

    /** An event refused by this request (not a replay of an earlier refusal). */
    void rejectedNow(long sequence, String problem) {
        problems.put(sequence, problem);
        newlyRejected++;
        lastRejection = problem;
    }

    void add(RequestOutcome other) {
        problems.putAll(other.problems);
        ended.addAll(other.ended);
        newlyRejected += other.newlyRejected;
        lastRejection = other.lastRejection != null ? other.lastRejection : lastRejection;
    }
}
