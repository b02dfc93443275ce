package dev.tether.internal.protocol;

import dev.tether.ErrorCode;
import dev.tether.ThreadStateException;

/**
 * An attachment that was refused; nothing changed on the calling thread. What {@code tryEnsure} reports as a value
 * and {@code ensure} throws.
 *
 * @param code    why
 * @param message the text {@link Failures} built for it
 */
public record Refusal(ErrorCode code, String message) implements AttachOutcome {

    /** The refusal as the exception that {@code ensure} throws. */
    public ThreadStateException exception() {
        return new ThreadStateException(code, message);
    }
}
