package io.flashrig.agent.it;

import io.flashrig.agent.job.JobSettings;
import io.flashrig.agent.job.Rig;
import io.flashrig.agent.link.GrpcMacAuthority;
import io.flashrig.agent.link.RigChannel;
import io.flashrig.agent.link.ServerAddress;
import io.flashrig.agent.link.TestRigServer;
import io.flashrig.agent.programmer.CliProgrammer;
import io.flashrig.agent.programmer.FlashLayout;
import io.flashrig.agent.programmer.Programmer;
import io.flashrig.agent.programmer.ProgrammerProcess;
import io.flashrig.agent.release.ImageGate;
import io.flashrig.agent.state.StateDir;
import io.flashrig.agent.usb.BoardWatcherEvent;
import io.flashrig.agent.usb.CliBoardWatcher;
import io.flashrig.proto.rig.v1.BoardEvent;
import io.flashrig.proto.rig.v1.FlashJobState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The agent's real job machinery, process runner, parsers, listing watcher and gRPC client, wired to the simulated
 * programmer (its executable script, run as a child process) and a test server.
 */
final class SimulatedRig implements AutoCloseable {

    static final Path SIMULATOR = Path.of("..", "simulator", "bin", "STM32_Programmer_CLI").toAbsolutePath().normalize();

    final List<BoardEvent> events = new CopyOnWriteArrayList<>();
    final List<BoardWatcherEvent> watched = new CopyOnWriteArrayList<>();
    /** Also told of every event, after it is recorded (e.g. a label queue). */
    volatile Consumer<BoardEvent> alsoTold = e -> { };
    final CliProgrammer programmer;
    private final RigChannel channel;
    private final Rig rig;
    private final CliBoardWatcher watcher;

    SimulatedRig(Path hub, Path stateRoot, FlashLayout layout, TestRigServer server, int parallel, Duration flashTimeout,
            UnaryOperator<Programmer> wrap) throws Exception {
        this(hub, stateRoot, layout, server, parallel, flashTimeout, wrap, ImageGate.fixed(layout));
    }

    SimulatedRig(Path hub, Path stateRoot, FlashLayout layout, TestRigServer server, int parallel, Duration flashTimeout,
            UnaryOperator<Programmer> wrap, ImageGate images) throws Exception {
        StateDir state = StateDir.open(stateRoot);
        programmer = new CliProgrammer(SIMULATOR, new ProgrammerProcess(Map.of("FLASHRIG_SIM_HUB", hub.toString())),
                flashTimeout, Duration.ofSeconds(60), state.listingLog());
        channel = new RigChannel(ServerAddress.parse(server.url()), TestRigServer.TOKEN);
        watcher = new CliBoardWatcher(programmer, Duration.ofMillis(300));
        rig = new Rig(wrap.apply(programmer), new GrpcMacAuthority(channel, Duration.ofSeconds(5)), state,
                new JobSettings(layout, true, parallel, Duration.ofSeconds(6), Duration.ofMillis(200), Duration.ofSeconds(1), Map.of(),
                        watcher::awaitLookAfter, images),
                Clock.systemUTC(), e -> {
                    events.add(e);
                    alsoTold.accept(e);
                });
        watcher.start(e -> {
            watched.add(e);
            rig.accept(e);
        });
    }

    /** Reports a board the way a watcher would, for what the simulated hub cannot show (two boards with one serial). */
    void inject(BoardWatcherEvent event) {
        watched.add(event);
        rig.accept(event);
    }

    static FlashLayout layout(Path dir) throws Exception {
        Files.createDirectories(dir);
        Files.write(dir.resolve("tf-a.stm32"), new byte[2048]);
        Files.write(dir.resolve("fip.bin"), new byte[4096]);
        Files.write(dir.resolve("bootfs.ext4"), new byte[8192]);
        Path tsv = dir.resolve("FlashLayout_emmc.tsv");
        Files.writeString(tsv, "#Opt\tId\tName\tType\tIP\tOffset\tBinary\n"
                + "-\t0x01\tfsbl-boot\tBinary\tnone\t0x0\ttf-a.stm32\n"
                + "-\t0x03\tfip-boot\tBinary\tnone\t0x0\tfip.bin\n"
                + "P\t0x21\tbootfs\tSystem\tmmc1\t0x00080000\tbootfs.ext4\n");
        return FlashLayout.read(tsv);
    }

    List<BoardEvent> of(String serial) {
        return events.stream().filter(e -> e.getSerial().equals(serial)).toList();
    }

    boolean reached(String serial, FlashJobState state) {
        return events.stream().anyMatch(e -> e.getSerial().equals(serial) && e.getState() == state);
    }

    /** The board's job has settled: done or failed. */
    boolean settled(String serial) {
        return reached(serial, FlashJobState.FLASH_JOB_STATE_DONE) || reached(serial, FlashJobState.FLASH_JOB_STATE_FAILED);
    }

    BoardEvent last(String serial) {
        List<BoardEvent> mine = of(serial);
        return mine.get(mine.size() - 1);
    }

    @Override
    public void close() {
        watcher.close();
        rig.close();
        channel.close();
    }
}
