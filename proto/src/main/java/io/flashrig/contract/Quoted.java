package io.flashrig.contract;

/** Caller input echoed in an error message: at most 40 characters, control characters shown as '?'. */
public final class Quoted {

    private static final int MAX = 40;

    private Quoted() {
    }

    public static String of(String input) {
        if (input == null) {
            return "";
        }
        String shown = input.length() > MAX ? input.substring(0, MAX) + "…" : input;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }
}
