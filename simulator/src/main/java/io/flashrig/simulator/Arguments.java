package io.flashrig.simulator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a programmer command line with the real tool's syntax. The whole line is read before anything runs, so a
 * mistake anywhere fails before any board is touched.
 */
final class Arguments {

    /** What {@code --help} prints: the part of the real tool's syntax the simulator speaks. */
    static final List<String> USAGE = List.of(
            "Usage :",
            "STM32_Programmer_CLI [command_1] [Arguments_1][[command_2] [Arguments_2]...]",
            "",
            "  -l,  --list [usb]          : List the boards in DFU mode",
            "  -c,  --connect port=usb sn=<serial> | port=usb<index>",
            "                             : Connect to a board by serial or by list index",
            "  -w,  --write <layout.tsv>  : Flash every partition of a flash layout",
            "  -d,  --download <layout.tsv>",
            "  -otp displ [word=<n>]...   : Show OTP words (all without word=)",
            "  -otp write [lock] word=<n> value=<v> [word=<n> value=<v>]...",
            "  -otp program wordID=<n> value=<v> [wordID=<n> value=<v>]...",
            "                             : Program OTP words, once each",
            "  -y                         : Do not ask for confirmation",
            "  --version                  : Show the version",
            "  -h,  --help                : Show this help");

    /** The command line as read: its commands in order and whether {@code -y} was given. */
    record Invocation(List<Command> commands, boolean assumeYes) {
    }

    private static final Pattern USB_PORT = Pattern.compile("usb(\\d*)", Pattern.CASE_INSENSITIVE);

    private final String[] args;
    private int next;

    private Arguments(String[] args) {
        this.args = args;
    }

    static Invocation parse(String[] args) {
        return new Arguments(args).invocation();
    }

    private Invocation invocation() {
        List<Command> commands = new ArrayList<>();
        boolean assumeYes = false;
        while (next < args.length) {
            String option = args[next++];
            switch (option) {
                case "-l", "--list" -> commands.add(list());
                case "-c", "--connect" -> commands.add(connect(option));
                case "-w", "--write", "-d", "--download" -> commands.add(download(option));
                case "-otp" -> commands.add(otp());
                case "-y" -> assumeYes = true;
                case "--version", "-version" -> commands.add(new Command.ShowVersion());
                case "-h", "--help", "-?" -> commands.add(new Command.ShowHelp());
                default -> throw new ToolError("Error: Unknown command: " + option
                        + " (STM32_Programmer_CLI --help lists the commands)");
            }
        }
        if (commands.isEmpty()) {
            commands.add(new Command.ShowHelp());
        }
        return new Invocation(List.copyOf(commands), assumeYes);
    }

    private Command list() {
        if (!hasValue()) {
            return new Command.ListDevices(true);
        }
        String iface = args[next++];
        if (!iface.equalsIgnoreCase("usb")) {
            throw new ToolError("Error: the simulated hub has USB DFU boards only; use -l usb, not -l " + iface);
        }
        return new Command.ListDevices(false);
    }

    private Command connect(String option) {
        String serial = null;
        Integer usbIndex = null;
        while (hasValue()) {
            String parameter = args[next++];
            String[] pair = parameter.split("=", 2);
            if (pair.length != 2) {
                throw new ToolError("Error: Wrong connect parameter: " + parameter + " (expected key=value)");
            }
            switch (pair[0].toLowerCase(Locale.ROOT)) {
                case "port" -> usbIndex = usbIndex(pair[1]);
                case "sn" -> serial = pair[1];
                default -> throw new ToolError("Error: Wrong connect parameter: " + parameter
                        + " (the simulator knows port= and sn=)");
            }
        }
        if (usbIndex == null) {
            throw new ToolError("Error: " + option + " needs port=usb sn=<serial> or port=usb<index>");
        }
        return new Command.Connect(serial, usbIndex);
    }

    /** {@code usb} alone means the first board, unless a serial picks one. */
    private static int usbIndex(String port) {
        Matcher usb = USB_PORT.matcher(port);
        if (!usb.matches()) {
            throw new ToolError("Error: the simulated hub is reached over USB only: port=usb or port=usb<index>,"
                    + " not port=" + port);
        }
        int index = usb.group(1).isEmpty() ? 1 : Integer.parseInt(usb.group(1));
        if (index < 1) {
            throw new ToolError("Error: USB indexes start at 1: port=" + port);
        }
        return index;
    }

    private Command download(String option) {
        if (!hasValue()) {
            throw new ToolError("Error: " + option + " needs the flash layout to write, e.g. " + option
                    + " flashlayout.tsv");
        }
        String file = args[next++];
        if (!file.toLowerCase(Locale.ROOT).endsWith(".tsv")) {
            throw new ToolError("Error: the simulator writes .tsv flash layouts only, not " + file);
        }
        return new Command.Download(Path.of(file));
    }

    private Command otp() {
        if (!hasValue()) {
            throw new ToolError("Error: -otp needs displ, write or program");
        }
        String action = args[next++];
        return switch (action.toLowerCase(Locale.ROOT)) {
            case "displ" -> otpDisplay();
            case "write" -> otpWrite();
            case "program" -> new Command.OtpWrite(assignments("wordID"), false);
            default -> throw new ToolError("Error: Unknown -otp command: " + action
                    + " (the simulator knows displ, write, program)");
        };
    }

    private Command otpDisplay() {
        List<Integer> words = new ArrayList<>();
        while (hasValue()) {
            words.add(word(keyValue("word")));
        }
        return new Command.OtpDisplay(List.copyOf(words));
    }

    private Command otpWrite() {
        boolean lock = hasValue() && args[next].equalsIgnoreCase("lock");
        if (lock) {
            next++;
        }
        return new Command.OtpWrite(assignments("word"), lock);
    }

    private List<Command.OtpWrite.Assignment> assignments(String wordKey) {
        List<Command.OtpWrite.Assignment> assignments = new ArrayList<>();
        while (hasValue()) {
            int word = word(keyValue(wordKey));
            if (!hasValue()) {
                throw new ToolError("Error: " + wordKey + "=" + word + " has no value=");
            }
            long value = number(keyValue("value"));
            if (value > 0xFFFF_FFFFL) {
                throw new ToolError("Error: an OTP word holds 32 bits: value=0x" + Long.toHexString(value));
            }
            assignments.add(new Command.OtpWrite.Assignment(word, value));
        }
        if (assignments.isEmpty()) {
            throw new ToolError("Error: -otp write needs at least one " + wordKey + "=<n> value=<v>");
        }
        return List.copyOf(assignments);
    }

    /** The value of the next argument, which must be {@code key=value}. */
    private String keyValue(String key) {
        String argument = args[next++];
        String prefix = key + "=";
        if (!argument.regionMatches(true, 0, prefix, 0, prefix.length())) {
            throw new ToolError("Error: expected " + prefix + "<value>, found " + argument);
        }
        return argument.substring(prefix.length());
    }

    private static int word(String text) {
        long word = number(text);
        if (word >= BoardState.OTP_WORDS) {
            throw new ToolError("Error: OTP words are numbered 0 to " + (BoardState.OTP_WORDS - 1) + ": " + text);
        }
        return (int) word;
    }

    /** A number as the real tool takes it: decimal, or hexadecimal after {@code 0x}. */
    private static long number(String text) {
        boolean hex = text.regionMatches(true, 0, "0x", 0, 2);
        try {
            long number = Long.parseLong(hex ? text.substring(2) : text, hex ? 16 : 10);
            if (number >= 0) {
                return number;
            }
        } catch (NumberFormatException e) {
            // Reported below with the argument as typed.
        }
        throw new ToolError("Error: not a number: " + text);
    }

    /** Whether the next argument belongs to the current command rather than starting the next one. */
    private boolean hasValue() {
        return next < args.length && !args[next].startsWith("-");
    }
}
