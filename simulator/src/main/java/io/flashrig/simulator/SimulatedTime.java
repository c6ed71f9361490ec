package io.flashrig.simulator;

import java.util.Map;

/**
 * The simulator's clock rate: every simulated duration is multiplied by {@code FLASHRIG_SIM_TIME_SCALE} (default 1),
 * so tests run a 3 s re-enumeration in milliseconds and a demo can slow a flash down to watch it.
 */
final class SimulatedTime {

    static final String SCALE_VARIABLE = "FLASHRIG_SIM_TIME_SCALE";

    private final double scale;

    private SimulatedTime(double scale) {
        this.scale = scale;
    }

    static SimulatedTime from(Map<String, String> environment) {
        String value = environment.get(SCALE_VARIABLE);
        if (value == null || value.isBlank()) {
            return new SimulatedTime(1.0);
        }
        try {
            double scale = Double.parseDouble(value.trim());
            if (scale >= 0 && Double.isFinite(scale)) {
                return new SimulatedTime(scale);
            }
        } catch (NumberFormatException e) {
            // Reported below, like any other value that is not a usable factor.
        }
        throw new ToolError("Error: " + SCALE_VARIABLE + " must be a number of 0 or more, not '" + value + "'");
    }

    /** How long {@code simulatedMillis} lasts on the wall clock. */
    long realMillis(long simulatedMillis) {
        return Math.round(simulatedMillis * scale);
    }
}
