package io.flashrig.simulator;

import java.util.Collections;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the simulated hub knows about one plugged board at one moment: the board as plugged, where it is on the bus and
 * what its OTP holds. Tests read it to check what the agent did to the board.
 *
 * @param serial       the USB serial number
 * @param portPath     the physical slot, e.g. {@code 1-1.3}
 * @param productId    the PID of its U-Boot gadget (see {@link SimulatedBoard#productId()})
 * @param behaviour    how a flash of this board goes
 * @param flashMillis  how long a whole flash takes
 * @param reenumMillis how long a re-enumeration keeps it off the bus
 * @param offBusUntil  when a re-enumeration gap ends, in epoch milliseconds; 0 when the board is on the bus. A time
 *                     rather than a flag, because the board comes back by itself, even if the programmer that saw it
 *                     leave has been killed meanwhile
 * @param stage        the firmware answering on USB now
 * @param usbAddress   its USB address number, new at each enumeration
 * @param otp          the OTP words by word number; a word not in the map is blank (see {@link #otp(int)})
 * @param bricked      whether an OTP word was ever programmed when it was no longer blank: the one-write rule was
 *                     broken, so a real board might be lost (its word is corrupted when the values differed)
 * @param noiseLines   how many garbled lines a noisy failure prints (see {@link SimulatedBoard#noiseLines()})
 */
public record BoardState(String serial, String portPath, String productId, Behaviour behaviour, long flashMillis,
                         long reenumMillis, long offBusUntil, Stage stage, int usbAddress,
                         SortedMap<Integer, OtpWord> otp, boolean bricked, int noiseLines) {

    /** The OTP words of an STM32MP15: 0 to 95. */
    public static final int OTP_WORDS = 96;
    /** The word holding MAC bytes 0-3. */
    public static final int MAC_WORD_LOW = 57;
    /** The word holding MAC bytes 4-5. */
    public static final int MAC_WORD_HIGH = 58;

    private static final Pattern OTP_KEY = Pattern.compile("otp(\\d+)");

    /** Keeps the state immutable. */
    public BoardState {
        Objects.requireNonNull(stage, "stage");
        otp = Collections.unmodifiableSortedMap(new TreeMap<>(otp));
    }

    /** The state of a board the moment it is plugged: on the bus, in the ROM, with the OTP it arrived with. */
    static BoardState plugged(SimulatedBoard board, int usbAddress) {
        SortedMap<Integer, OtpWord> otp = new TreeMap<>();
        otp.put(MAC_WORD_LOW, OtpWord.burnt(board.otp57()));
        otp.put(MAC_WORD_HIGH, OtpWord.burnt(board.otp58()));
        return new BoardState(board.serial(), board.portPath(), board.productId(), board.behaviour(),
                board.flashMillis(), board.reenumMillis(), 0, Stage.ROM, usbAddress, otp, false,
                board.noiseLines());
    }

    /** Whether the board is on the bus now: not in the middle of a re-enumeration gap. */
    public boolean present() {
        return System.currentTimeMillis() >= offBusUntil;
    }

    /** One OTP word; words never touched are blank. */
    public OtpWord otp(int word) {
        return otp.getOrDefault(word, OtpWord.BLANK);
    }

    /** OTP word 57, MAC bytes 0-3. */
    public long otp57() {
        return otp(MAC_WORD_LOW).value();
    }

    /** OTP word 58, MAC bytes 4-5. */
    public long otp58() {
        return otp(MAC_WORD_HIGH).value();
    }

    /** How often OTP word 57 was programmed on this hub. */
    public int otp57Writes() {
        return otp(MAC_WORD_LOW).writes();
    }

    /** How often OTP word 58 was programmed on this hub. */
    public int otp58Writes() {
        return otp(MAC_WORD_HIGH).writes();
    }

    /** The status of OTP word 57; non-zero means corrupted. */
    public long otp57Status() {
        return otp(MAC_WORD_LOW).status();
    }

    /** The status of OTP word 58; non-zero means corrupted. */
    public long otp58Status() {
        return otp(MAC_WORD_HIGH).status();
    }

    /** The PID on the bus now: the ROM always shows {@code df11}, U-Boot's gadget its own. */
    public String usbProductId() {
        return stage == Stage.ROM ? SimulatedBoard.DFU_PRODUCT_ID : productId;
    }

    /** The USB bus number, the part of the port path before the dash. */
    public int usbBus() {
        return Integer.parseInt(portPath.substring(0, portPath.indexOf('-')));
    }

    /** This board gone from the bus for a re-enumeration, until {@code backAt} (epoch milliseconds). */
    BoardState offBus(long backAt) {
        return withBus(backAt, stage, usbAddress);
    }

    /** This board enumerated again, at a new address, with {@code newStage} answering. */
    BoardState enumerated(int newUsbAddress, Stage newStage) {
        return withBus(0, newStage, newUsbAddress);
    }

    /** This board after a successful flash: U-Boot's programming service answers now. */
    BoardState flashed() {
        return withBus(offBusUntil, Stage.UBOOT, usbAddress);
    }

    private BoardState withBus(long newOffBusUntil, Stage newStage, int newUsbAddress) {
        return new BoardState(serial, portPath, productId, behaviour, flashMillis, reenumMillis, newOffBusUntil,
                newStage, newUsbAddress, otp, bricked, noiseLines);
    }

    /** This board after one word was programmed; programming a word that is no longer blank bricks the board. */
    BoardState programmed(int word, long value, boolean lock) {
        OtpWord before = otp(word);
        SortedMap<Integer, OtpWord> words = new TreeMap<>(otp);
        words.put(word, before.programmed(value, lock));
        return new BoardState(serial, portPath, productId, behaviour, flashMillis, reenumMillis, offBusUntil, stage,
                usbAddress, words, bricked || !before.blank(), noiseLines);
    }

    /**
     * The state as the hub file stores it; every key is named as in the hub's documentation. {@code present} is
     * written for people and scripts that read the file; the simulator itself goes by {@code offBusUntil}.
     */
    Properties toProperties() {
        Properties properties = new Properties();
        properties.setProperty("serial", serial);
        properties.setProperty("portPath", portPath);
        properties.setProperty("productId", productId);
        properties.setProperty("behaviour", behaviour.name());
        properties.setProperty("flashMillis", Long.toString(flashMillis));
        properties.setProperty("reenumMillis", Long.toString(reenumMillis));
        properties.setProperty("present", Boolean.toString(present()));
        properties.setProperty("offBusUntil", Long.toString(offBusUntil));
        properties.setProperty("stage", stage.name());
        properties.setProperty("usbAddress", Integer.toString(usbAddress));
        properties.setProperty("bricked", Boolean.toString(bricked));
        properties.setProperty("noiseLines", Integer.toString(noiseLines));
        SortedMap<Integer, OtpWord> words = new TreeMap<>(otp);
        words.putIfAbsent(MAC_WORD_LOW, OtpWord.BLANK);
        words.putIfAbsent(MAC_WORD_HIGH, OtpWord.BLANK);
        words.forEach((word, bits) -> {
            properties.setProperty("otp" + word, hex(bits.value()));
            properties.setProperty("otp" + word + "Writes", Integer.toString(bits.writes()));
            properties.setProperty("otp" + word + "Status", hex(bits.status()));
            properties.setProperty("otp" + word + "Locked", Boolean.toString(bits.locked()));
        });
        return properties;
    }

    /** Reads what {@link #toProperties()} wrote. */
    static BoardState fromProperties(Properties properties) {
        SortedMap<Integer, OtpWord> otp = new TreeMap<>();
        for (String key : properties.stringPropertyNames()) {
            Matcher matcher = OTP_KEY.matcher(key);
            if (matcher.matches()) {
                otp.put(Integer.valueOf(matcher.group(1)), new OtpWord(
                        Long.decode(required(properties, key)),
                        Integer.parseInt(required(properties, key + "Writes")),
                        Long.decode(required(properties, key + "Status")),
                        Boolean.parseBoolean(required(properties, key + "Locked"))));
            }
        }
        return new BoardState(
                required(properties, "serial"),
                required(properties, "portPath"),
                required(properties, "productId"),
                Behaviour.valueOf(required(properties, "behaviour")),
                Long.parseLong(required(properties, "flashMillis")),
                Long.parseLong(required(properties, "reenumMillis")),
                Long.parseLong(required(properties, "offBusUntil")),
                Stage.valueOf(required(properties, "stage")),
                Integer.parseInt(required(properties, "usbAddress")),
                otp,
                Boolean.parseBoolean(required(properties, "bricked")),
                // Hub files written before noisy boards existed have none.
                Integer.parseInt(properties.getProperty("noiseLines", "0")));
    }

    private static String required(Properties properties, String key) {
        String value = properties.getProperty(key);
        if (value == null) {
            throw new IllegalArgumentException("the board file has no " + key);
        }
        return value;
    }

    private static String hex(long bits) {
        return String.format(Locale.ROOT, "0x%08x", bits);
    }
}
