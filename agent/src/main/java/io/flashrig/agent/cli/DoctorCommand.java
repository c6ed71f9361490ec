package io.flashrig.agent.cli;

import io.flashrig.agent.config.AgentConfig;
import io.flashrig.agent.link.EventQueue;
import io.flashrig.agent.link.RefusedEvents;
import io.flashrig.agent.link.RigChannel;
import io.flashrig.agent.link.RpcErrors;
import io.flashrig.agent.link.ServerAddress;
import io.flashrig.agent.link.ServerTrust;
import io.flashrig.agent.programmer.CliProgrammer;
import io.flashrig.agent.programmer.FlashLayout;
import io.flashrig.agent.state.StateDir;
import io.flashrig.agent.usb.BoardWatcher;
import io.flashrig.agent.usb.Usb4javaBoardWatcher;
import io.flashrig.proto.rig.v1.OpenSessionRequest;
import io.flashrig.proto.rig.v1.OpenSessionResponse;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code doctor}: checks the rig's set-up, one line per check. */
@Command(name = "doctor", mixinStandardHelpOptions = true, footer = ExitCodes.FOOTER,
        description = "Checks the set-up: programmer found and its version, layout readable with every binary present, "
                + "server reachable and token accepted, USB access. Exits with the code of the first failed check.")
public class DoctorCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common = new CommonOptions();

    private final AgentConfig config;
    private int firstFailure = ExitCodes.OK;

    public DoctorCommand(AgentConfig config) {
        this.config = config;
    }

    @Override
    public Integer call() {
        CommonOptions.Resolved r;
        StateDir dir;
        ServerAddress address = null;
        ServerTrust trust;
        try {
            r = common.resolve(config);
            // Checked before anything else, so that no check connects to a server the token must not go to.
            if (r.server().isPresent()) {
                address = CommonOptions.serverAddress(r);
            }
            trust = CommonOptions.trust(r);
            if (address != null && address.plaintextOverNetwork()) {
                System.out.println("WARN the rig token goes to " + address + " in plaintext (--insecure): anyone on the network can read it");
            }
            dir = CommonOptions.stateDir(r);
            ok("state directory " + dir.root() + refusedEvents(dir));
        } catch (ExitCodes.Failure f) {
            System.out.println("FAIL " + f.getMessage());
            return f.exitCode();
        }
        Path executable = null;
        try {
            executable = CommonOptions.locateProgrammer(r);
            CliProgrammer programmer = CommonOptions.programmer(r, executable, dir);
            String version = programmer.version().orElse(null);
            if (version == null) {
                fail(ExitCodes.PROGRAMMER, "programmer " + executable + " runs but printed no STM32CubeProgrammer version");
            } else {
                ok("programmer " + executable + " (STM32CubeProgrammer v" + version + ")");
            }
        } catch (ExitCodes.Failure f) {
            fail(f.exitCode(), f.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.INTERNAL;
        }
        FlashLayout layout = null;
        try {
            layout = CommonOptions.layout(r);
            ok("layout " + layout.file() + ": " + layout.partitions().size() + " partitions, every binary present, sha256 " + layout.sha256());
        } catch (ExitCodes.Failure f) {
            fail(f.exitCode(), f.getMessage());
        }
        checkServer(r, address, trust, dir, layout);
        try (BoardWatcher usb = new Usb4javaBoardWatcher()) {
            ok("USB hot-plug available; " + usb.present().size() + " board(s) on the bus");
        } catch (BoardWatcher.WatcherException | LinkageError | RuntimeException e) {
            String why = e.getMessage();
            if (executable != null) {
                System.out.println("WARN USB hot-plug unavailable (" + why + "); run --watch cli will poll the programmer instead");
            } else {
                fail(ExitCodes.USB, "USB hot-plug unavailable (" + why + ") and no programmer to poll");
            }
        }
        return firstFailure;
    }

    private void checkServer(CommonOptions.Resolved r, ServerAddress address, ServerTrust trust, StateDir dir, FlashLayout layout) {
        if (address == null || r.token().isEmpty()) {
            fail(ExitCodes.USAGE, "server and token: not given (--server URL, FLASHRIG_TOKEN)");
            return;
        }
        try (RigChannel channel = new RigChannel(address, r.token().get(), trust); EventQueue queue = EventQueue.open(dir.queue(), config.queueCapacity())) {
            OpenSessionResponse session = channel.blocking().withDeadlineAfter(10, TimeUnit.SECONDS).openSession(OpenSessionRequest.newBuilder()
                    .setAgentVersion(AgentVersion.current()).setQueueId(queue.queueId())
                    .setLayoutName(layout == null ? "" : layout.name()).setLayoutSha256(layout == null ? "" : layout.sha256())
                    .setFuseEnabled(!config.noFuse()).build());
            ok("server " + address + " accepts the token: rig " + session.getRigName() + ", " + queue.size() + " event(s) queued here");
        } catch (StatusRuntimeException e) {
            fail(ExitCodes.SERVER, "server " + address + ": " + (RpcErrors.tokenRefused(e) ? "token refused: " : "") + RpcErrors.describe(e));
        } catch (java.io.IOException e) {
            fail(ExitCodes.STATE_DIR, "the event queue cannot be opened: " + e.getMessage());
        }
    }

    /** The refused events an engineer should look at, if any. */
    private static String refusedEvents(StateDir dir) {
        try {
            RefusedEvents refused = RefusedEvents.in(dir.queue());
            return refused.count() == 0 ? "" : "; " + refused.count() + " board event(s) refused by the server, kept in " + refused.file();
        } catch (java.io.IOException e) {
            return "; the refused events cannot be read: " + e.getMessage();
        }
    }

    private static void ok(String what) {
        System.out.println("OK   " + what);
    }

    private void fail(int code, String what) {
        System.out.println("FAIL " + what);
        if (firstFailure == ExitCodes.OK) {
            firstFailure = code;
        }
    }
}
