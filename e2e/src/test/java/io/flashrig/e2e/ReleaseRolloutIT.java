package io.flashrig.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashrig.simulator.Stage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Rolling out an image, end to end through the packaged agent and server: make the manifest, post it, pin the rig; the
 * running agent learns the pin, flashes the release and records it; a binary changed on the rig stops the next board
 * before its programmer runs; doctor beside the running agent says which file.
 */
class ReleaseRolloutIT {

    @Test
    void aPinnedRigFlashesItsReleaseAndAChangedBinaryStopsTheNextBoard() throws IOException {
        try (Testbed bed = Testbed.start("release")) {
            Path images = bed.dir().resolve("images");
            Path v1 = copyOfTheDemoImage(images.resolve("hub3-v1"));
            Path layout = v1.resolve(Workspace.layout().getFileName());

            AgentProcess.Outcome manifest = AgentProcess.runCommand(bed.dir(), "manifest", Duration.ofSeconds(60),
                    "release", "manifest", "--layout", layout.toString(), "--name", "hub3-v1");
            assertEquals(0, manifest.exitCode(), manifest.stderr());
            Admin admin = bed.server().admin();
            Admin.Reply posted = admin.post("/api/v1/releases", manifest.stdout().strip());
            assertEquals(201, posted.status(), posted.body());
            String manifestSha256 = posted.json().path("manifestSha256").asText();

            AgentProcess.Settings rig = bed.rig("rig-r").withOptions("--images", images.toString());
            AgentProcess agent = bed.startAgent(rig, "agent", s -> s);
            // The agent is running, without a release, when the rig is pinned: it learns the pin on its open stream.
            String before = bed.plug("1-1.1", board -> board.withTimes(500, 300));
            agent.awaitEnded(before, Duration.ofSeconds(90));
            awaitOutcome(admin, before, "DONE");
            assertTrue(!admin.board(before).path("attempts").get(0).hasNonNull("release"), "no release: flashed as before");
            assertEquals(200, admin.put("/api/v1/rigs/rig-r/release", "{\"release\":\"hub3-v1\"}").status());
            Await.until(Duration.ofSeconds(60), "the agent to learn its pin", () -> agent.logged("release: hub3-v1"), agent::diagnostics);

            String flashed = bed.plug("1-1.2", board -> board.withTimes(500, 300));
            agent.awaitEnded(flashed, Duration.ofSeconds(90));
            awaitOutcome(admin, flashed, "DONE");
            Invariants.assertFlashedOnceAndFused(admin, flashed);
            JsonNode attempt = admin.board(flashed).path("attempts").get(0);
            assertEquals("hub3-v1", attempt.path("release").asText(), attempt.toString());
            assertEquals(manifestSha256, attempt.path("releaseManifestSha256").asText());

            // Someone drops another build's root file system next to the right layout.
            Files.write(v1.resolve("rootfs.ext4"), new byte[] {1, 2, 3});
            String refused = bed.plug("1-1.3", board -> board.withTimes(500, 300));
            agent.awaitEnded(refused, Duration.ofSeconds(90));
            awaitOutcome(admin, refused, "FAILED");
            JsonNode failed = admin.board(refused).path("attempts").get(0);
            assertEquals("IMAGE_MISMATCH", failed.path("failureCode").asText(), failed.toString());
            assertTrue(failed.path("message").asText().startsWith("rootfs.ext4 differs from release hub3-v1"), failed.toString());
            assertEquals("hub3-v1", failed.path("release").asText());
            assertEquals(Stage.ROM, bed.hub().board(refused).orElseThrow().stage(), "the programmer never wrote the board");

            AgentProcess.Outcome doctor = AgentProcess.doctor(rig, "doctor", Duration.ofSeconds(120));
            assertTrue(doctor.stdout().lines().anyMatch(line -> line.startsWith("FAIL release hub3-v1")
                    && line.contains("rootfs.ext4 differs")), doctor.stdout());
            assertTrue(agent.alive(), "doctor left the running agent alone");

            JsonNode stats = admin.get("/api/v1/stats?hours=1").json();
            JsonNode perRelease = stats.path("perRelease");
            assertTrue(perRelease.toString().contains("\"release\":\"hub3-v1\",\"ended\":2"), stats.toString());
            assertEquals("hub3-v1", admin.get("/api/v1/live/snapshot").json().path("rigs").get(0).path("release").asText());
        }
    }

    private static void awaitOutcome(Admin admin, String serial, String outcome) {
        Await.until(Duration.ofSeconds(30), "the server to record board " + serial + " " + outcome, () -> admin.get("/api/v1/boards/" + serial)
                .status() == 200 && outcome.equals(admin.board(serial).path("attempts").path(0).path("outcome").asText()),
                () -> admin.get("/api/v1/boards/" + serial).body());
    }

    private static Path copyOfTheDemoImage(Path folder) {
        try (Stream<Path> files = Files.list(Workspace.layout().getParent())) {
            Files.createDirectories(folder);
            for (Path file : files.toList()) {
                Files.copy(file, folder.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
