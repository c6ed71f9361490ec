package io.flashrig.agent.cli;

import io.flashrig.agent.config.AgentConfig;
import io.flashrig.agent.job.JobSettings;
import io.flashrig.agent.job.Rig;
import io.flashrig.agent.label.LabelQueue;
import io.flashrig.agent.link.BoardEventSink;
import io.flashrig.agent.link.EventQueue;
import io.flashrig.agent.link.GrpcMacAuthority;
import io.flashrig.agent.link.RigChannel;
import io.flashrig.agent.link.RigLink;
import io.flashrig.agent.link.ServerAddress;
import io.flashrig.agent.link.ServerTrust;
import io.flashrig.agent.programmer.CliProgrammer;
import io.flashrig.agent.programmer.FlashLayout;
import io.flashrig.agent.release.ImageGate;
import io.flashrig.agent.release.ImageHashes;
import io.flashrig.agent.release.PinStore;
import io.flashrig.agent.state.StateDir;
import io.flashrig.agent.state.StateLock;
import io.flashrig.agent.ui.OperatorOutput;
import io.flashrig.agent.usb.BoardWatcher;
import io.flashrig.agent.usb.Watchers;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.OpenSessionRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code run}: the rig's main loop until Ctrl-C. */
@Command(name = "run", mixinStandardHelpOptions = true, footer = ExitCodes.FOOTER,
        description = "Flashes every board that appears on the hub, fuses the MAC the server assigns, and reports every change to the server. "
                + "Runs until Ctrl-C.")
public class RunCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common = new CommonOptions();

    @Mixin
    LabelOptions labelOptions = new LabelOptions();

    @Option(names = "--parallel", paramLabel = "N", description = "At most N programmer processes at once (default 8).")
    Integer parallel;

    @Option(names = "--no-fuse", description = "Flash only: neither ask for nor write MACs.")
    Boolean noFuse;

    @Option(names = "--output", paramLabel = "table|plain|json|log", description = "Live table (default on a terminal), plain lines (default otherwise), JSON lines, or JSON lines into the log (file).")
    String output;

    @Option(names = "--bell", description = "Ring the terminal's bell when a board is ready to unplug or has failed.")
    Boolean bell;

    @Option(names = "--slot-map", paramLabel = "FILE", description = "Slot labels by port path, one '<label> = <port path>' per line, e.g. '1 = 20-1.1'.")
    Path slotMap;

    private final AgentConfig config;

    public RunCommand(AgentConfig config) {
        this.config = config;
    }

    @Override
    public Integer call() {
        try {
            return run();
        } catch (ExitCodes.Failure f) {
            return ExitCodes.report(f);
        }
    }

    private int run() throws ExitCodes.Failure {
        CommonOptions.Resolved r = common.resolve(config);
        int parallelism = Optional.ofNullable(parallel).orElse(config.parallel());
        if (parallelism < 1) {
            throw new ExitCodes.Failure(ExitCodes.USAGE, "--parallel must be at least 1");
        }
        boolean fuse = !Optional.ofNullable(noFuse).orElse(config.noFuse());
        String mode = Optional.ofNullable(output).or(config::output).orElse("auto");
        ServerAddress address = CommonOptions.serverAddress(r);
        ServerTrust trust = CommonOptions.trust(r);
        if (address.plaintextOverNetwork()) {
            System.err.println("flashrig-agent: warning: the rig token goes to " + address + " in plaintext (--insecure): anyone on the network can read it");
        }
        String token = r.token().orElseThrow(() -> new ExitCodes.Failure(ExitCodes.USAGE, "no token given: set FLASHRIG_TOKEN or use --token"));
        Optional<LabelOptions.Resolved> labelPrinter = labelOptions.resolve(config);
        Map<String, String> slots = slotMap(Optional.ofNullable(slotMap).or(() -> config.slotMap().map(Path::of)));
        FlashLayout layout = CommonOptions.layout(r);
        Path executable = CommonOptions.locateProgrammer(r);
        StateDir stateDir = CommonOptions.stateDir(r);
        StateLock stateLock = lock(stateDir);
        CliProgrammer programmer = CommonOptions.programmer(r, executable, stateDir);
        OperatorOutput out;
        try {
            out = OperatorOutput.create(mode, System.out, System.console() != null,
                    Optional.ofNullable(bell).orElse(config.bell()));
        } catch (IllegalArgumentException e) {
            throw new ExitCodes.Failure(ExitCodes.USAGE, e.getMessage());
        }
        EventQueue queue;
        try {
            queue = EventQueue.open(stateDir.queue(), config.queueCapacity());
        } catch (IOException | RuntimeException e) {
            throw new ExitCodes.Failure(ExitCodes.STATE_DIR, "the event queue in " + stateDir.queue() + " cannot be opened: " + e.getMessage());
        }
        String programmerVersion;
        try {
            programmerVersion = programmer.version().orElse("");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.INTERNAL;
        }
        RigChannel channel = new RigChannel(address, token, trust);
        RigLink link;
        try {
            link = new RigLink(channel, queue, OpenSessionRequest.newBuilder().setAgentVersion(AgentVersion.current())
                    .setProgrammerVersion(programmerVersion).setLayoutName(layout.name()).setLayoutSha256(layout.sha256())
                    .setSlotCount(slots.size()).setHostname(hostname()).setFuseEnabled(fuse).build(), Duration.ofSeconds(1), Duration.ofSeconds(30));
        } catch (IOException e) {
            throw new ExitCodes.Failure(ExitCodes.STATE_DIR, "the refused events in " + stateDir.queue() + " cannot be read: " + e.getMessage());
        }
        ImageGate images;
        try {
            images = new ImageGate(layout, Optional.ofNullable(common.images), new ImageHashes(), Optional.of(new PinStore(stateDir.releasePin())));
        } catch (IOException e) {
            throw new ExitCodes.Failure(ExitCodes.STATE_DIR, e.getMessage());
        }
        link.onRelease(images::pinned);
        Optional<LabelQueue> labels = labelQueue(labelPrinter, stateDir, link, out);
        Consumer<BoardEvent> events = new BoardEventSink(queue, out::show);
        if (labels.isPresent()) {
            // After the event is queued and shown: a label only ever follows its board's MAC_VERIFIED.
            events = events.andThen(labels.get());
        }
        BoardWatcher watcher = Watchers.open(r.watch(), programmer, r.pollInterval(), System.err);
        JobSettings settings = new JobSettings(layout, fuse, parallelism, r.reenumerationGrace(), Duration.ofSeconds(2), Duration.ofSeconds(30),
                slots, watcher::awaitLookAfter, images);
        Rig rig = new Rig(programmer, new GrpcMacAuthority(channel, Duration.ofSeconds(10)), stateDir, settings, Clock.systemUTC(),
                events);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            watcher.close();
            rig.close();
            labels.ifPresent(LabelQueue::close);
            link.close();
            channel.close();
            out.close();
            try {
                queue.close();
            } catch (IOException e) {
                // Everything appended was already forced to disk.
            }
            try {
                stateLock.close();
            } catch (IOException e) {
                // The process ends now, and the operating system lets go of the lock with it.
            }
            stopped.countDown();
        }, "flashrig-shutdown"));
        link.start();
        try {
            watcher.start(rig::accept);
        } catch (BoardWatcher.WatcherException e) {
            throw new ExitCodes.Failure(ExitCodes.USB, "boards cannot be watched: " + e.getMessage());
        }
        System.err.printf("flashrig-agent %s: flashing %s with %s, up to %d at once, %s; server %s; watching with %s%s%n",
                AgentVersion.current(), images.pin().map(p -> "release " + p.getReleaseName() + " (last told by the server)")
                        .orElse(layout.name()), executable, parallelism, fuse ? "fusing MACs" : "flash only", address, watcher.name(),
                labelPrinter.map(l -> "; labels to " + l.printer().name()).orElse(""));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ExitCodes.OK;
    }

    static Map<String, String> slotMap(Optional<Path> file) throws ExitCodes.Failure {
        Map<String, String> byPort = new LinkedHashMap<>();
        if (file.isEmpty()) {
            return byPort;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file.get());
        } catch (IOException e) {
            throw new ExitCodes.Failure(ExitCodes.USAGE, "the slot map " + file.get() + " cannot be read: " + e.getMessage());
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.replaceFirst("^slot\\s+", "").split("=", 2);
            if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                throw new ExitCodes.Failure(ExitCodes.USAGE, "slot map " + file.get() + " line " + (i + 1) + ": expected '<label> = <port path>'");
            }
            if (byPort.put(parts[1].strip(), parts[0].strip()) != null) {
                throw new ExitCodes.Failure(ExitCodes.USAGE, "slot map " + file.get() + " line " + (i + 1) + ": port " + parts[1].strip() + " is mapped twice");
            }
        }
        return byPort;
    }

    /** The label queue in the state directory, printing on its own thread; empty without a label printer. */
    private Optional<LabelQueue> labelQueue(Optional<LabelOptions.Resolved> printer, StateDir stateDir, RigLink link, OperatorOutput out)
            throws ExitCodes.Failure {
        if (printer.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(LabelQueue.open(stateDir.labelQueue(), new LabelQueue.Settings(config.labelQueueCapacity(), 10_000,
                    Duration.ofSeconds(1), Duration.ofSeconds(60), ZoneId.systemDefault()), printer.get().printer(),
                    printer.get().layout(), () -> link.status().rigName(), out::label));
        } catch (IOException e) {
            throw new ExitCodes.Failure(ExitCodes.STATE_DIR, "the label queue " + stateDir.labelQueue() + " cannot be opened: " + e.getMessage());
        }
    }

    /** This agent's hold on its state directory, for as long as it runs; exit 7 when another agent has it. */
    private static StateLock lock(StateDir stateDir) throws ExitCodes.Failure {
        try {
            return StateLock.take(stateDir);
        } catch (StateLock.Held held) {
            throw new ExitCodes.Failure(ExitCodes.STATE_DIR, held.getMessage());
        } catch (IOException e) {
            throw new ExitCodes.Failure(ExitCodes.STATE_DIR, "the state directory " + stateDir.root()
                    + " cannot be locked for this agent: " + e.getMessage());
        }
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "";
        }
    }
}
