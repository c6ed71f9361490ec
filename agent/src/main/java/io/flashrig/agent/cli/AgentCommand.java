package io.flashrig.agent.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;

/** The {@code flashrig-agent} command: its subcommands run a rig, list boards and check the set-up. */
@TopCommand
@Command(
        name = "flashrig-agent",
        mixinStandardHelpOptions = true,
        subcommands = {RunCommand.class, DevicesCommand.class, DoctorCommand.class, ReleaseCommand.class, LabelCommand.class},
        footer = ExitCodes.FOOTER,
        versionProvider = AgentVersion.class,
        description = "Flashes every STM32MP1 board that appears on the rig's USB hub and fuses the MAC the FlashRig server assigns.")
public class AgentCommand {
}
