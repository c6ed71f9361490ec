package io.flashrig.agent.cli;

import io.flashrig.agent.config.AgentConfig;
import io.flashrig.agent.label.Label;
import io.flashrig.agent.link.RigChannel;
import io.flashrig.agent.link.RpcErrors;
import io.flashrig.agent.link.ServerAddress;
import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.InvalidValueException;
import io.flashrig.proto.rig.v1.GetBoardLabelRequest;
import io.flashrig.proto.rig.v1.GetBoardLabelResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code label SERIAL}: reprints one board's label from the server's record (never from what was typed beyond the
 * serial), so that a reprinted label says what the first one said. Read only, and it leaves the state directory
 * alone, so it runs beside a running agent.
 */
@Command(name = "label", mixinStandardHelpOptions = true, footer = ExitCodes.FOOTER,
        description = "Reprints one board's label: its serial and MAC as the server has them on record (read with the rig's"
                + " token), the rig that verified the MAC and the date, on the label printer. Safe beside a running agent.")
public class LabelCommand implements Callable<Integer> {

    /** What the server says when it has no label to give: the board is not the rig's problem to retry. */
    private static final Set<Status.Code> NO_LABEL = Set.of(Status.Code.NOT_FOUND, Status.Code.FAILED_PRECONDITION,
            Status.Code.INVALID_ARGUMENT);

    @Parameters(paramLabel = "SERIAL", description = "The board's serial: 24 hexadecimal characters.")
    String serial;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Mixin
    LabelOptions labelOptions = new LabelOptions();

    private final AgentConfig config;

    public LabelCommand(AgentConfig config) {
        this.config = config;
    }

    @Override
    public Integer call() {
        try {
            System.out.println(reprint());
            return ExitCodes.OK;
        } catch (ExitCodes.Failure f) {
            return ExitCodes.report(f);
        }
    }

    private String reprint() throws ExitCodes.Failure {
        BoardSerial board;
        try {
            board = BoardSerial.fromUsb(serial);
        } catch (InvalidValueException e) {
            throw new ExitCodes.Failure(ExitCodes.USAGE, e.getMessage());
        }
        CommonOptions.Resolved r = common.resolve(config);
        ServerAddress address = CommonOptions.serverAddress(r);
        String token = r.token().orElseThrow(() -> new ExitCodes.Failure(ExitCodes.USAGE, "no token given: set FLASHRIG_TOKEN or use --token"));
        LabelOptions.Resolved printer = labelOptions.resolve(config).orElseThrow(() -> new ExitCodes.Failure(ExitCodes.USAGE,
                "no label printer given: use --label-printer tcp://HOST:9100"));
        GetBoardLabelResponse record;
        try (RigChannel channel = new RigChannel(address, token, CommonOptions.trust(r))) {
            record = channel.blocking().withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getBoardLabel(GetBoardLabelRequest.newBuilder().setSerial(board.value()).build());
        } catch (StatusRuntimeException e) {
            if (NO_LABEL.contains(RpcErrors.code(e))) {
                throw new ExitCodes.Failure(ExitCodes.NO_LABEL, "no label for board " + board + ": " + RpcErrors.describe(e));
            }
            throw new ExitCodes.Failure(ExitCodes.SERVER, "server " + address + ": " + (RpcErrors.tokenRefused(e) ? "token refused: " : "")
                    + RpcErrors.describe(e));
        }
        Label label = new Label(record.getSerial(), record.getMac(),
                Instant.ofEpochSecond(record.getVerifiedAt().getSeconds(), record.getVerifiedAt().getNanos()), record.getRigName());
        try {
            printer.printer().print(printer.layout().render(label, ZoneId.systemDefault()));
        } catch (IOException e) {
            throw new ExitCodes.Failure(ExitCodes.LABEL_PRINTER, "the label printer " + printer.printer().name() + " cannot be reached: "
                    + e.getMessage());
        }
        return "printed the label of board " + label.serial() + " (MAC " + label.mac() + (label.rig().isEmpty() ? "" : ", rig " + label.rig())
                + ") on " + printer.printer().name();
    }
}
