package io.flashrig.agent.it;

import io.flashrig.agent.programmer.FlashLayout;
import io.flashrig.agent.programmer.Programmer;
import io.flashrig.agent.programmer.ProgrammerRun;
import io.flashrig.contract.BoardSerial;
import io.flashrig.contract.MacAddress;
import java.nio.file.Path;
import java.util.function.Consumer;

/** The real programmer, with a test changing only the step it is about. */
interface ForwardingProgrammer extends Programmer {

    Programmer real();

    @Override
    default ProgrammerRun flash(BoardSerial serial, FlashLayout layout, Path log, Consumer<String> lines) throws InterruptedException {
        return real().flash(serial, layout, log, lines);
    }

    @Override
    default OtpRead readOtp(BoardSerial serial, Path log) throws InterruptedException {
        return real().readOtp(serial, log);
    }

    @Override
    default ProgrammerRun writeOtp(BoardSerial serial, MacAddress mac, Path log) throws InterruptedException {
        return real().writeOtp(serial, mac, log);
    }
}
