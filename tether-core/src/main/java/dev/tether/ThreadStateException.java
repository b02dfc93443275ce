package dev.tether;

import java.util.Objects;

/**
 * Thrown when Tether refuses an operation on a thread state, guard, interpreter or object, or cannot start a
 * runtime. It always carries an {@link ErrorCode}, and its message names the interpreter, the state and the threads
 * involved (or what was tried), and what to do instead.
 *
 * <p>It extends {@link IllegalStateException} so that code written for ordinary state errors still handles it.
 * A refusal never leaves anything half-done: the thread's attachments, the interpreter and its objects are as they
 * were before the call.
 */
public class ThreadStateException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** The reason; never null. */
    private final ErrorCode code;

    /**
     * Creates an exception with the given code and message.
     *
     * @param code    why the operation was refused
     * @param message what happened and what to do instead
     */
    public ThreadStateException(ErrorCode code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    /**
     * Creates an exception with the given code, message and cause.
     *
     * @param code    why the operation was refused
     * @param message what happened and what to do instead
     * @param cause   the underlying failure, or null
     */
    public ThreadStateException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** Why the operation was refused. */
    public ErrorCode code() {
        return code;
    }
}
