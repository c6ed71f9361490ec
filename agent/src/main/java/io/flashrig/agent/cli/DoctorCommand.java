package io.flashrig.agent.cli;

import io.flashrig.agent.config.AgentConfig;
import io.flashrig.agent.link.ClockCheck;
import io.flashrig.agent.link.EventQueue;
import io.flashrig.agent.link.RefusedEvents;
import io.flashrig.agent.link.RigChannel;
import io.flashrig.agent.link.RpcErrors;
import io.flashrig.agent.link.ServerAddress;
import io.flashrig.agent.link.ServerTrust;
import io.flashrig.agent.programmer.CliProgrammer;
import io.flashrig.agent.programmer.FlashLayout;
import io.flashrig.agent.release.ImageGate;
import io.flashrig.agent.release.PinStore;
import io.flashrig.agent.state.StateDir;
import io.flashrig.agent.state.StateLock;
import io.flashrig.agent.usb.BoardWatcher;
import io.flashrig.agent.usb.Usb4javaBoardWatcher;
import io.flashrig.proto.rig.v1.CheckRigRequest;
import io.flashrig.proto.rig.v1.CheckRigResponse;
import io.flashrig.proto.rig.v1.ReleasePin;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code doctor}: checks the rig's set-up, one line per check. */
@Command(name = "doctor", mixinStandardHelpOptions = true, footer = ExitCodes.FOOTER,
        description = "Checks the set-up: programmer found and its version, layout readable with every binary present, "
                + "event queue (left alone while an agent runs on the state directory), server reachable and token accepted"
                + " (read only: a running agent's session is left alone), clock, USB access, the label printer if one is set. Exits with the code of the"
                + " first failed check.")
public class DoctorCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common = new CommonOptions();

    @Mixin
    LabelOptions labelOptions = new LabelOptions();

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
        checkQueue(dir);
        Optional<CheckRigResponse> rig = checkServer(r, address, trust);
        checkRelease(layout, dir, rig);
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
        checkLabelPrinter();
        return firstFailure;
    }

    /** The label printer, when one is set: its URI and template valid, and its port taking connections. */
    private void checkLabelPrinter() {
        Optional<LabelOptions.Resolved> labels;
        try {
            labels = labelOptions.resolve(config);
        } catch (ExitCodes.Failure f) {
            fail(f.exitCode(), f.getMessage());
            return;
        }
        if (labels.isEmpty()) {
            return;
        }
        String printer = labels.get().printer().name();
        try {
            labels.get().printer().reach();
            ok("label printer " + printer + " takes connections");
        } catch (java.io.IOException e) {
            fail(ExitCodes.LABEL_PRINTER, "label printer " + printer + " cannot be reached: " + e.getMessage()
                    + " (run prints labels once it can)");
        }
    }

    private Optional<CheckRigResponse> checkServer(CommonOptions.Resolved r, ServerAddress address, ServerTrust trust) {
        if (address == null || r.token().isEmpty()) {
            fail(ExitCodes.USAGE, "server and token: not given (--server URL, FLASHRIG_TOKEN)");
            return Optional.empty();
        }
        try (RigChannel channel = new RigChannel(address, r.token().get(), trust)) {
            // Read only: a doctor run beside a running agent must not replace its session on the server.
            Instant sent = Instant.now();
            CheckRigResponse rig = channel.blocking().withDeadlineAfter(10, TimeUnit.SECONDS)
                    .checkRig(CheckRigRequest.getDefaultInstance());
            Duration offset = ClockCheck.offset(sent, Instant.now(), rig.getServerTime());
            ok("server " + address + " accepts the token: rig " + rig.getRigName() + (rig.getConnected()
                    ? ", connected now" + (rig.getHostname().isEmpty() ? "" : " from " + rig.getHostname()) : ", not connected now"));
            ClockCheck.warning(offset).ifPresentOrElse(warning -> System.out.println("WARN " + warning),
                    () -> ok("clock within " + ClockCheck.TOLERANCE.toMinutes() + " min of the server's"));
            return Optional.of(rig);
        } catch (StatusRuntimeException e) {
            fail(ExitCodes.SERVER, "server " + address + ": " + (RpcErrors.tokenRefused(e) ? "token refused: " : "") + RpcErrors.describe(e));
            return Optional.empty();
        }
    }

    /**
     * The rig's release, from the server when it answered, else as the running agent last kept it, and whether the
     * image here matches it. Read only: the kept pin is the running agent's and is not written.
     */
    private void checkRelease(FlashLayout layout, StateDir dir, Optional<CheckRigResponse> rig) {
        Optional<ReleasePin> pin;
        String from;
        if (rig.isPresent()) {
            pin = rig.get().hasReleasePin() ? Optional.of(rig.get().getReleasePin()) : Optional.empty();
            from = "from the server";
        } else {
            try {
                pin = new PinStore(dir.releasePin()).load();
            } catch (java.io.IOException e) {
                fail(ExitCodes.STATE_DIR, e.getMessage());
                return;
            }
            from = "as last told by the server";
        }
        if (pin.isEmpty()) {
            ok("release: none " + from + "; the rig flashes its own layout");
            return;
        }
        String named = "release " + pin.get().getReleaseName() + " (manifest " + pin.get().getManifestSha256() + ", " + from + ")";
        if (layout == null) {
            fail(ExitCodes.LAYOUT, named + ": the local image cannot be checked without a readable layout");
            return;
        }
        ImageGate.Decision decision = ImageGate.checkOnce(layout, Optional.ofNullable(common.images), pin);
        if (decision instanceof ImageGate.Flash flash) {
            ok(named + ": the local image matches (" + flash.layout().file() + ")");
        } else {
            fail(ExitCodes.LAYOUT, named + ": " + ((ImageGate.Refuse) decision).message() + "; no board would be flashed");
        }
    }

    /**
     * The event queue, read only when no agent runs on the state directory: a running agent owns it, and a second
     * reader's recovery could cut off the record it is writing.
     */
    private void checkQueue(StateDir dir) {
        try (StateLock lock = StateLock.take(dir); EventQueue queue = EventQueue.open(dir.queue(), config.queueCapacity())) {
            ok("event queue: " + queue.size() + " event(s) waiting to be delivered");
        } catch (StateLock.Held held) {
            ok("an agent" + held.pid().map(pid -> " (PID " + pid + ")").orElse("") + " is running on this state directory;"
                    + " its event queue is left alone");
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
