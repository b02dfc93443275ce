package dev.tether;

import java.util.Objects;

/**
 * The outcome of {@link ThreadState#tryEnsure(Interpreter)}: either the thread is now
 * {@linkplain Attached attached}, or the attempt was {@linkplain Refused refused} with a reason. Nothing is thrown
 * for an expected refusal such as an interpreter that is closing, so callers can branch with a {@code switch}:
 *
 * {@snippet class=dev.tether.snippets.ApiSnippets region=tryEnsure}
 */
public sealed interface Ensured {

    /**
     * The thread is attached; close the thread state to release it.
     *
     * @param threadState the new attachment
     */
    record Attached(ThreadState threadState) implements Ensured {
        /** Checks the component. */
        public Attached {
            Objects.requireNonNull(threadState, "threadState");
        }
    }

    /**
     * The attachment was refused; nothing changed on the calling thread.
     *
     * @param code    why
     * @param message a human-readable explanation naming the interpreter and its state
     */
    record Refused(ErrorCode code, String message) implements Ensured {
        /** Checks the components. */
        public Refused {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
        }

        /** The refusal as an exception, for callers that decide to throw after all. */
        public ThreadStateException toException() {
            return new ThreadStateException(code, message);
        }
    }
}
