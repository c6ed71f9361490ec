package io.flashrig.server.sql;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flashrig.server.testing.PostgresResource;
import io.flashrig.server.testing.TestApi;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.postgresql.PGNotification;

/**
 * A listener tells its handler only of what it heard: the caches built on it forget everything they keep on each
 * {@code heard}, so a wait that heard nothing must not reach them (it did, every wait, and the release and token
 * caches were emptied every two seconds under load).
 */
@QuarkusTest
@WithTestResource(PostgresResource.class)
class ListenerTest {

    @Test
    void onlyWaitsThatHeardSomethingReachTheHandler() throws Exception {
        AtomicBoolean listening = new AtomicBoolean();
        List<Integer> heard = new CopyOnWriteArrayList<>();
        Listener listener = new Listener("listener-test", "The test lost its connection", List.of("flashrig_test"), 10,
                true, TestApi.directDataSource(), new Listener.Handler() {
                    @Override
                    public void listening(Connection connection) {
                        listening.set(true);
                    }

                    @Override
                    public void heard(PGNotification[] notifications) {
                        heard.add(notifications.length);
                    }

                    @Override
                    public void lost() {
                        listening.set(false);
                    }
                });
        listener.start();
        try {
            await().atMost(Duration.ofSeconds(10)).untilTrue(listening);
            // Waits of 10 ms go by, empty, while this connection is opened.
            try (Connection c = TestApi.directDataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("NOTIFY flashrig_test, 'one'");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> !heard.isEmpty());
            assertEquals(List.of(1), heard);
        } finally {
            listener.stop();
        }
    }
}
