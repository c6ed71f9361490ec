package io.flashrig.agent.cli;

import io.flashrig.agent.config.AgentConfig;
import io.flashrig.agent.state.StateDir;
import io.flashrig.agent.usb.BoardWatcher;
import io.flashrig.agent.usb.UsbBoard;
import io.flashrig.agent.usb.Watchers;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code devices}: the boards on the hub now. */
@Command(name = "devices", mixinStandardHelpOptions = true, footer = ExitCodes.FOOTER,
        description = "Lists the boards on the hub now: serial, port path, stage (USB product).")
public class DevicesCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common = new CommonOptions();

    private final AgentConfig config;

    public DevicesCommand(AgentConfig config) {
        this.config = config;
    }

    @Override
    public Integer call() {
        try {
            CommonOptions.Resolved r = common.resolve(config);
            StateDir dir = CommonOptions.stateDir(r);
            List<UsbBoard> boards;
            try (BoardWatcher watcher = Watchers.open(r.watch(), CommonOptions.programmer(r, programmerOrFail(r), dir), r.pollInterval(), System.err)) {
                boards = watcher.present();
            } catch (BoardWatcher.WatcherException e) {
                throw new ExitCodes.Failure(ExitCodes.USB, "boards cannot be listed: " + e.getMessage());
            }
            System.out.printf("%-24s  %-12s  %s%n", "SERIAL", "PORT", "STAGE");
            for (UsbBoard b : boards) {
                System.out.printf("%-24s  %-12s  %s%n", b.serial(), b.portPath().isEmpty() ? "-" : b.portPath(), b.product());
            }
            System.out.println(boards.size() + (boards.size() == 1 ? " board" : " boards"));
            return ExitCodes.OK;
        } catch (ExitCodes.Failure f) {
            return ExitCodes.report(f);
        }
    }

    /** The USB watcher needs no programmer, but its fallback does; only then is a missing one an error. */
    private static java.nio.file.Path programmerOrFail(CommonOptions.Resolved r) throws ExitCodes.Failure {
        try {
            return CommonOptions.locateProgrammer(r);
        } catch (ExitCodes.Failure f) {
            if (r.watch().equals("cli")) {
                throw f;
            }
            return java.nio.file.Path.of("STM32_Programmer_CLI");
        }
    }
}
