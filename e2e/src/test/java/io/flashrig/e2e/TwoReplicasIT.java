package io.flashrig.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flashrig.contract.testing.RigClient;
import io.flashrig.proto.rig.v1.AssignMacRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Invariant: two server replicas (two processes) on one PostgreSQL, hammered with concurrent AssignMac calls, never
 * give one MAC to two serials, and give each serial one MAC however many times and wherever it asks.
 */
class TwoReplicasIT {

    @Test
    void twoReplicasUnderConcurrentAssignmentNeverHandOutADuplicateMac() throws Exception {
        try (Testbed bed = Testbed.start("two-replicas")) {
            ServerProcess second = bed.startServer("server-2", Map.of());
            String token = bed.server().admin().createRig("rig-r");
            List<String> serials = new ArrayList<>();
            for (int i = 0; i < 96; i++) {
                serials.add(bed.newSerial());
            }
            List<Future<String[]>> calls = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(32);
            try (RigClient one = RigClient.forRig(bed.server().port(), token); RigClient two = RigClient.forRig(second.port(), token)) {
                // Every serial is asked for three times, through both replicas, interleaved.
                for (int round = 0; round < 3; round++) {
                    for (int i = 0; i < serials.size(); i++) {
                        String serial = serials.get(i);
                        RigClient client = (i + round) % 2 == 0 ? one : two;
                        calls.add(pool.submit(() -> new String[] {serial, client.rpc().assignMac(AssignMacRequest.newBuilder()
                                .setSerial(serial).setAttemptId(UUID.randomUUID().toString()).setRequestId(UUID.randomUUID().toString())
                                .build()).getMac()}));
                    }
                }
                Map<String, String> macBySerial = new HashMap<>();
                for (Future<String[]> call : calls) {
                    String[] result = call.get();
                    String earlier = macBySerial.putIfAbsent(result[0], result[1]);
                    if (earlier != null) {
                        assertEquals(earlier, result[1], "serial " + result[0] + " got two MACs");
                    }
                }
                assertEquals(serials.size(), macBySerial.size());
                assertEquals(serials.size(), new HashSet<>(macBySerial.values()).size(), "a MAC went to two serials: " + macBySerial);
                assertEquals(serials.size(), bed.database().number("SELECT count(*) FROM mac_assignment"), "MAC rows != serials");
                assertEquals(serials.size(), bed.database().number("SELECT count(DISTINCT board_serial) FROM mac_assignment"));
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
