package io.flashrig.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogBudgetTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final LogBudget budget = new LogBudget(Duration.ofSeconds(60), now::get);

    @Test
    void aFloodGivesOneLinePerIntervalThatSaysHowManyWereHeldBack() {
        assertEquals(0, budget.take("unknown"), "the first refusal is logged");
        for (int i = 0; i < 1000; i++) {
            assertEquals(-1, budget.take("unknown"));
        }
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertEquals(-1, budget.take("unknown"));
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertEquals(1001, budget.take("unknown"), "the next line tells the flood's size");
        assertEquals(-1, budget.take("unknown"));
    }

    @Test
    void eachReasonHasItsOwnBudget() {
        assertEquals(0, budget.take("unknown"));
        assertEquals(0, budget.take("revoked"), "a flood of guesses does not hide a revoked rig's first refusal");
        assertEquals(-1, budget.take("revoked"));
    }
}
