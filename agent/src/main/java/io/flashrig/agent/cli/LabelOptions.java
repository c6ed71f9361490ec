package io.flashrig.agent.cli;

import io.flashrig.agent.config.AgentConfig;
import io.flashrig.agent.label.TcpLabelPrinter;
import io.flashrig.agent.label.ZplLabel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The label printer and layout of {@code run} and {@code label}, checked before anything else starts. */
public class LabelOptions {

    /** How long the printer may take to accept a connection or a label before it counts as away. */
    static final Duration PRINTER_TIMEOUT = Duration.ofSeconds(5);

    @Option(names = "--label-printer", paramLabel = "tcp://HOST:9100", description = "Print one ZPL label per board whose MAC is verified"
            + " on this raw-TCP printer (Zebra or compatible). Config flashrig.label-printer.")
    String printer;

    @Option(names = "--label-template", paramLabel = "FILE", description = "ZPL file (^XA … ^XZ) replacing the built-in label;"
            + " placeholders $${serial}, $${mac}, $${date}, $${rig}. Config flashrig.label-template.")
    Path template;

    /** The printer and its layout. */
    record Resolved(TcpLabelPrinter printer, ZplLabel layout) {
    }

    /** The printer and layout; empty when no printer is set. A bad printer URI or template is exit 2, in one line. */
    Optional<Resolved> resolve(AgentConfig config) throws ExitCodes.Failure {
        Optional<String> uri = Optional.ofNullable(printer).or(config::labelPrinter).filter(s -> !s.isBlank());
        Optional<Path> file = Optional.ofNullable(template).or(() -> config.labelTemplate().filter(s -> !s.isBlank()).map(Path::of));
        if (uri.isEmpty()) {
            if (file.isPresent()) {
                throw new ExitCodes.Failure(ExitCodes.USAGE, "--label-template needs a printer: give --label-printer tcp://HOST:9100");
            }
            return Optional.empty();
        }
        TcpLabelPrinter tcp;
        try {
            tcp = TcpLabelPrinter.at(uri.get(), PRINTER_TIMEOUT);
        } catch (IllegalArgumentException e) {
            throw new ExitCodes.Failure(ExitCodes.USAGE, "--label-printer: " + e.getMessage());
        }
        return Optional.of(new Resolved(tcp, file.isPresent() ? layout(file.get()) : ZplLabel.builtIn()));
    }

    private static ZplLabel layout(Path file) throws ExitCodes.Failure {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ExitCodes.Failure(ExitCodes.USAGE, "the label template " + file + " cannot be read: " + e.getMessage());
        }
        try {
            return ZplLabel.of(text);
        } catch (IllegalArgumentException e) {
            throw new ExitCodes.Failure(ExitCodes.USAGE, "the label template " + file + " " + e.getMessage());
        }
    }
}
