package io.flashrig.agent.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateLockIT {

    @TempDir
    Path root;

    @Test
    void aSecondAgentOnTheSameFolderIsToldWhichProcessHoldsIt() throws Exception {
        StateDir dir = StateDir.open(root);
        Process holder = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), HoldStateLock.class.getName(), root.toString()))
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine());
            StateLock.Held held = assertThrows(StateLock.Held.class, () -> StateLock.take(dir));
            assertEquals(Optional.of(holder.pid()), held.pid());
            assertTrue(held.getMessage().startsWith("another agent (PID " + holder.pid() + ") is running on the state"
                    + " directory " + root), held.getMessage());
        } finally {
            holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        // Its holder gone, even killed, the folder is free again; within this process it is taken once.
        try (StateLock mine = StateLock.take(dir)) {
            assertThrows(StateLock.Held.class, () -> StateLock.take(dir));
        }
        StateLock.take(dir).close();
    }

    /** Holds a state directory's lock until killed, as a running agent does. */
    public static final class HoldStateLock {
        public static void main(String[] args) throws Exception {
            try (StateLock lock = StateLock.take(StateDir.open(Path.of(args[0])))) {
                System.out.println("locked");
                System.out.flush();
                Thread.sleep(TimeUnit.MINUTES.toMillis(5));
            }
        }
    }
}
