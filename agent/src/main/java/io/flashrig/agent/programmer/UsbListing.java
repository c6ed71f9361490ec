package io.flashrig.agent.programmer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code STM32_Programmer_CLI -l usb} reports: the boards in DFU mode. Only the DFU interface's section is read;
 * other interfaces (ST-LINK) that follow are not boards.
 *
 * @param boards the boards in listing order
 */
public record UsbListing(List<Entry> boards) {

    /**
     * One board in the listing.
     *
     * @param index the position in this listing, e.g. {@code USB1}; it shifts as boards come and go
     * @param busNumber the USB bus number as printed, e.g. {@code 003}
     * @param product the product string (printed as "Product ID")
     * @param serial the serial exactly as printed, not yet validated
     */
    public record Entry(String index, String busNumber, String product, String serial) {
    }

    private static final Pattern SECTION = Pattern.compile("^\\s*=+\\s*(.*?)\\s*=+\\s*$");
    private static final Pattern FIELD = Pattern.compile("^\\s*([A-Za-z][A-Za-z ]*?)\\s*:\\s*(.*?)\\s*$");

    public UsbListing {
        boards = List.copyOf(boards);
    }

    /** Parses the tool's output lines; any banner lines and other interfaces' sections are skipped. */
    public static UsbListing parse(List<String> lines) {
        List<Entry> boards = new ArrayList<>();
        boolean inDfu = false;
        Builder entry = null;
        for (String line : lines) {
            Matcher section = SECTION.matcher(line);
            if (section.matches() && !section.group(1).isEmpty()) {
                entry = flush(entry, boards);
                inDfu = section.group(1).toUpperCase().contains("DFU");
                continue;
            }
            if (!inDfu) {
                continue;
            }
            Matcher field = FIELD.matcher(line);
            if (!field.matches()) {
                continue;
            }
            String key = field.group(1);
            String value = field.group(2);
            switch (key) {
                case "Device Index" -> {
                    entry = flush(entry, boards);
                    entry = new Builder(value);
                }
                case "USB Bus Number" -> { if (entry != null) { entry.bus = value; } }
                case "Product ID" -> { if (entry != null) { entry.product = value; } }
                case "Serial number" -> { if (entry != null) { entry.serial = value; } }
                default -> { }
            }
        }
        flush(entry, boards);
        return new UsbListing(boards);
    }

    /** The programmer's version from its banner ({@code STM32CubeProgrammer v2.17.0}), if printed. */
    public static Optional<String> bannerVersion(List<String> lines) {
        Pattern banner = Pattern.compile("STM32CubeProgrammer\\s+v(\\d+(?:\\.\\d+)*)");
        for (String line : lines) {
            Matcher m = banner.matcher(line);
            if (m.find()) {
                return Optional.of(m.group(1));
            }
        }
        return Optional.empty();
    }

    private static Builder flush(Builder entry, List<Entry> boards) {
        if (entry != null && entry.serial != null) {
            boards.add(new Entry(entry.index, entry.bus == null ? "" : entry.bus, entry.product == null ? "" : entry.product, entry.serial));
        }
        return null;
    }

    private static final class Builder {
        private final String index;
        private String bus;
        private String product;
        private String serial;

        private Builder(String index) {
            this.index = index;
        }
    }
}
