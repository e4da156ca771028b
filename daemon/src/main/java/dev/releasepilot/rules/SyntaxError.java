package dev.releasepilot.rules;

/** Raised by the small expression parsers: {@code offset} is the character index in the parsed text. */
public final class SyntaxError extends Exception {
    private final int offset;

    public SyntaxError(int offset, String message) {
        super(message, null, false, false);
        this.offset = offset;
    }

    public int offset() {
        return offset;
    }
}
