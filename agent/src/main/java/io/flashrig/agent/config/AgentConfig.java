package io.flashrig.agent.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Map;
import java.util.Optional;

/**
 * The agent's settings from configuration: {@code application.properties} (also {@code config/application.properties}
 * in the working directory), system properties and environment variables ({@code flashrig.token} =
 * {@code FLASHRIG_TOKEN}). A command-line option, when given, wins over these.
 */
@ConfigMapping(prefix = "flashrig")
public interface AgentConfig {

    /**
     * URL of the FlashRig server: {@code https://host:port} (TLS), or {@code http://host:port} (plaintext) only on this
     * computer or with {@code insecure}.
     */
    Optional<String> server();

    /** A PEM file with the factory CA that signed the server's certificate, trusted besides the system's CAs. */
    Optional<String> caFile();

    /** True lets the rig token go in plaintext to an {@code http://} server that is not on this computer. */
    @WithDefault("false")
    boolean insecure();

    /** The rig's token, sent as {@code authorization: Bearer <token>}; best set as FLASHRIG_TOKEN. */
    Optional<String> token();

    /** The flash layout ({@code .tsv}) every board gets; its binaries sit beside it. */
    Optional<String> layout();

    /** Path of STM32_Programmer_CLI; when unset it is looked up on PATH, then at the standard install location. */
    Optional<String> programmer();

    /** Extra environment variables for the programmer process (e.g. the simulator's FLASHRIG_SIM_HUB). */
    Map<String, String> programmerEnv();

    /** How boards are watched: {@code usb} (hot-plug) or {@code cli} (polling {@code STM32_Programmer_CLI -l usb}). */
    @WithDefault("usb")
    String watch();

    /**
     * How often the {@code cli} watcher lists the boards. 200 ms keeps a plugged board's wait for its programmer under
     * 300 ms (p95, 16 boards plugged at once) for 4-8 % of one core while idle with a programmer that lists in 3 ms (ST's
     * tool costs more a listing); docs/benchmarks.md has the figures for other intervals.
     */
    @WithDefault("200ms")
    String pollInterval();

    /** At most this many programmer processes run at once. */
    @WithDefault("8")
    int parallel();

    /** A flash that takes longer is killed (with its child processes) and the board fails with TIMEOUT. */
    @WithDefault("10m")
    String flashTimeout();

    /** An OTP read or write that takes longer is killed. */
    @WithDefault("60s")
    String otpTimeout();

    /** How long a board may be off the bus before it counts as unplugged (it re-enumerates for about 3 s). */
    @WithDefault("10s")
    String reenumerationGrace();

    /** True for flash-only: no MAC is asked for or written. */
    @WithDefault("false")
    boolean noFuse();

    /** Folder of the durable event queue, OTP write intents and programmer logs; default {@code ~/.flashrig}. */
    Optional<String> stateDir();

    /** Operator output: {@code table} (live table), {@code plain} (one line per event), {@code json} or {@code log} (JSON lines into the agent's log file); default: table on a terminal, plain otherwise. */
    Optional<String> output();

    /** True to ring the terminal's bell when a board is ready to unplug or has failed (table and plain output on a terminal). */
    @WithDefault("false")
    boolean bell();

    /** File mapping slot labels to USB port paths, one {@code <label> = <port path>} per line, e.g. {@code 1 = 20-1.1}. */
    Optional<String> slotMap();

    /**
     * Label printer as {@code tcp://HOST:9100} (a Zebra or compatible printer's raw TCP port): every board whose MAC is
     * verified gets one ZPL label there; unset, no labels are printed.
     */
    Optional<String> labelPrinter();

    /** A ZPL file ({@code ^XA} … {@code ^XZ}) replacing the built-in label, with ${serial}, ${mac}, ${date} and ${rig}. */
    Optional<String> labelTemplate();

    /** Most labels the durable label queue keeps while the printer is away (beyond it, a board's label is dropped). */
    @WithDefault("1000")
    int labelQueueCapacity();

    /** Most events the durable queue keeps while the server is away (beyond it, progress events are left out). */
    @WithDefault("50000")
    int queueCapacity();
}
