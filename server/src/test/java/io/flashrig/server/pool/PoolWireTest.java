package io.flashrig.server.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flashrig.contract.WireNames;
import org.junit.jupiter.api.Test;

/** The pool's enums and the contract's agree value for value, so a rig reads the state the database holds. */
class PoolWireTest {

    @Test
    void everyMacStateTravelsUnderItsOwnName() {
        for (MacAssignment.State state : MacAssignment.State.values()) {
            assertEquals(state.name(), WireNames.shortName(PoolWire.macState(state)));
        }
    }

    @Test
    void verdictsTravelUnderTheirOwnNamesAndRefusalsNever() {
        for (MacAllocator.Verdict verdict : MacAllocator.Verdict.values()) {
            if (verdict == MacAllocator.Verdict.CONFLICT || verdict == MacAllocator.Verdict.MISMATCH) {
                assertThrows(IllegalArgumentException.class, () -> PoolWire.verdict(verdict));
            } else {
                assertEquals(verdict.name(), WireNames.shortName(PoolWire.verdict(verdict)));
            }
        }
    }
}
