package io.flashrig.contract;

/**
 * A value that cannot be what the contract says it is (a MAC address, a board serial). The message is a sentence a
 * person understands; {@link #field()} and {@link #input()} let each protocol report it in its own way.
 */
public final class InvalidValueException extends IllegalArgumentException {

    private final String field;
    private final String input;

    InvalidValueException(String field, String input, String message) {
        super(message);
        this.field = field;
        this.input = input;
    }

    /** Which kind of value was refused: {@code mac} or {@code serial}. */
    public String field() {
        return field;
    }

    /** The refused input as {@link Quoted#of(String)} shows it. */
    public String input() {
        return input;
    }
}
