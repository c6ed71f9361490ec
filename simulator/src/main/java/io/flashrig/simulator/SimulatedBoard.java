package io.flashrig.simulator;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A board as it is plugged into the simulated hub: its identity, how it behaves when flashed and what its MAC words
 * held before it arrived.
 *
 * @param serial       the USB serial number, the same in every stage (real boards report 24 hex characters)
 * @param portPath     the physical slot as Linux names it, {@code <bus>-<port>[.<port>]...}, e.g. {@code 1-1.3}
 * @param productId    the PID of its U-Boot gadget: {@code df11} with ST's board code, {@code 5720} without; the ROM
 *                     always shows {@code df11}
 * @param behaviour    how a flash of this board goes
 * @param flashMillis  how long a whole flash takes, split over the partitions by binary size
 * @param reenumMillis how long the board stays off the bus when it re-enumerates
 * @param otp57        OTP word 57 (MAC bytes 0-3) as burnt before plugging; {@code 0} is blank
 * @param otp58        OTP word 58 (MAC bytes 4-5 in bits 15:0) as burnt before plugging; {@code 0} is blank
 * @param noiseLines   how many long garbled lines a {@link Behaviour#NOISY_FAIL} board prints before its error line
 *                     (about 5 KB each); other behaviours ignore it
 */
public record SimulatedBoard(String serial, String portPath, String productId, Behaviour behaviour, long flashMillis,
                             long reenumMillis, long otp57, long otp58, int noiseLines) {

    /** A noisy board's lines by default: about 2 MB of output, as a bad USB link or a chatty tool version gives. */
    public static final int DEFAULT_NOISE_LINES = 400;

    /** The product ID of the ROM bootloader and of U-Boot's gadget built with ST's board code. */
    public static final String DFU_PRODUCT_ID = "df11";
    /** The product ID of U-Boot's gadget built without ST's board code. */
    public static final String GADGET_PRODUCT_ID = "5720";

    private static final Pattern SERIAL = Pattern.compile("[0-9A-Za-z][0-9A-Za-z_-]{0,63}");
    private static final Pattern PORT_PATH = Pattern.compile("[1-9][0-9]{0,2}-[0-9]+(\\.[0-9]+)*");
    private static final Pattern MAC = Pattern.compile("\\p{XDigit}{2}(:\\p{XDigit}{2}){5}");

    /**
     * Validates the board. The serial becomes a file name, so it is restricted to letters, digits, {@code _} and
     * {@code -}.
     */
    public SimulatedBoard {
        Objects.requireNonNull(behaviour, "behaviour");
        if (!validSerial(serial)) {
            throw new IllegalArgumentException("serial must be 1 to 64 letters, digits, '_' or '-': " + serial);
        }
        if (portPath == null || !PORT_PATH.matcher(portPath).matches()) {
            throw new IllegalArgumentException("port path must look like 1-1.3 (bus-port.port...): " + portPath);
        }
        if (!DFU_PRODUCT_ID.equals(productId) && !GADGET_PRODUCT_ID.equals(productId)) {
            throw new IllegalArgumentException("product ID must be df11 or 5720: " + productId);
        }
        if (noiseLines < 0) {
            throw new IllegalArgumentException("noise lines must not be negative: " + noiseLines);
        }
        if (flashMillis < 0 || reenumMillis < 0) {
            throw new IllegalArgumentException("times must not be negative: flash " + flashMillis
                    + " ms, re-enumeration " + reenumMillis + " ms");
        }
        OtpWord.requireWord(otp57, "OTP word 57");
        OtpWord.requireWord(otp58, "OTP word 58");
    }

    /** Whether {@code serial} can name a simulated board. */
    static boolean validSerial(String serial) {
        return serial != null && SERIAL.matcher(serial).matches();
    }

    /** A blank board that flashes without trouble in 1.5 s and would stay off the bus for 0.6 s when re-enumerating. */
    public static SimulatedBoard normal(String serial, String portPath) {
        return new SimulatedBoard(serial, portPath, DFU_PRODUCT_ID, Behaviour.NORMAL, 1500, 600, 0, 0,
                DEFAULT_NOISE_LINES);
    }

    /** This board, flashing the given way. */
    public SimulatedBoard withBehaviour(Behaviour newBehaviour) {
        return new SimulatedBoard(serial, portPath, productId, newBehaviour, flashMillis, reenumMillis, otp57, otp58, noiseLines);
    }

    /** This board with another flash duration and re-enumeration gap. */
    public SimulatedBoard withTimes(long newFlashMillis, long newReenumMillis) {
        return new SimulatedBoard(serial, portPath, productId, behaviour, newFlashMillis, newReenumMillis, otp57,
                otp58, noiseLines);
    }

    /** This board with U-Boot's gadget on another product ID ({@code df11} or {@code 5720}). */
    public SimulatedBoard withProductId(String newProductId) {
        return new SimulatedBoard(serial, portPath, newProductId, behaviour, flashMillis, reenumMillis, otp57, otp58, noiseLines);
    }

    /** This board printing {@code lines} garbled lines of about 5 KB when it fails noisily. */
    public SimulatedBoard withNoiseLines(int lines) {
        return new SimulatedBoard(serial, portPath, productId, behaviour, flashMillis, reenumMillis, otp57, otp58, lines);
    }

    /**
     * This board with a MAC already burnt into OTP words 57 and 58, little-endian as on the STM32MP15:
     * {@code 04:d9:21:38:30:a8} gives word 57 {@code 0x3821d904} and word 58 {@code 0x0000a830}.
     */
    public SimulatedBoard withMac(String mac) {
        if (mac == null || !MAC.matcher(mac).matches()) {
            throw new IllegalArgumentException("MAC must be six hex bytes separated by ':', e.g. 04:d9:21:38:30:a8: "
                    + mac);
        }
        long bytes = Long.parseLong(mac.replace(":", "").toLowerCase(Locale.ROOT), 16);
        long word57 = 0;
        for (int i = 0; i < 4; i++) {
            word57 |= ((bytes >>> (8 * (5 - i))) & 0xFF) << (8 * i);
        }
        long word58 = ((bytes >>> 8) & 0xFF) | ((bytes & 0xFF) << 8);
        return new SimulatedBoard(serial, portPath, productId, behaviour, flashMillis, reenumMillis, word57, word58,
                noiseLines);
    }
}
