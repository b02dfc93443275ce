package dev.tether.internal.protocol;

import dev.tether.ErrorCode;
import dev.tether.ThreadStateException;
import java.util.List;

/** Builds every refusal message of the protocol, so they name things the same way everywhere. */
public final class Failures {
    private Failures() {}

    /** A refusal not (yet) thrown: what {@code tryEnsure} returns. */
    public record Refusal(ErrorCode code, String message) {
        public ThreadStateException exception() {
            return new ThreadStateException(code, message);
        }
    }

    public static Refusal closing(InterpreterImpl interpreter) {
        return new Refusal(ErrorCode.INTERPRETER_FINALIZING, capitalize(interpreter.describe())
                + " is closing: new attachments and guards are refused while work in flight finishes");
    }

    public static Refusal closed(InterpreterImpl interpreter) {
        return new Refusal(ErrorCode.INTERPRETER_CLOSED, capitalize(interpreter.describe()) + " is closed");
    }

    /** The refusal matching the gate's current state (closing or closed). */
    public static Refusal notOpen(InterpreterImpl interpreter) {
        return interpreter.gate().isClosed() ? closed(interpreter) : closing(interpreter);
    }

    public static Refusal outOfMemory(InterpreterImpl interpreter) {
        return new Refusal(ErrorCode.OUT_OF_MEMORY,
                "CPython could not allocate a thread state for " + interpreter.describe());
    }

    public static Refusal virtualThread(InterpreterImpl interpreter) {
        return new Refusal(ErrorCode.VIRTUAL_THREAD, "Cannot ensure a thread state for " + interpreter.describe()
                + " on virtual thread " + name(Thread.currentThread()) + ": a thread state belongs to one OS thread"
                + " and a virtual thread may move between carriers. Use interpreter.call(ts -> ...) or"
                + " interpreter.run(ts -> ...), which run the work on a platform thread");
    }

    public static ThreadStateException wrongThread(Attachment attachment, String action) {
        return new ThreadStateException(ErrorCode.WRONG_THREAD, "Cannot " + action + " the thread state of "
                + attachment.interpreter().describe() + " from thread " + name(Thread.currentThread())
                + ": it belongs to thread " + name(attachment.owner())
                + "; a thread state is used and released only by the thread that ensured it");
    }

    public static ThreadStateException alreadyReleased(Attachment attachment, String action) {
        return new ThreadStateException(ErrorCode.ALREADY_RELEASED, "Cannot " + action + " the thread state of "
                + attachment.interpreter().describe() + " on thread " + name(attachment.owner())
                + ": it was already released");
    }

    public static ThreadStateException outOfOrder(Attachment attachment, Attachment top) {
        return new ThreadStateException(ErrorCode.RELEASE_OUT_OF_ORDER, "Cannot release the thread state of "
                + attachment.interpreter().describe() + " on thread " + name(attachment.owner())
                + ": the one for " + top.interpreter().describe() + " ensured after it is still open;"
                + " release in reverse order (try-with-resources does)");
    }

    public static ThreadStateException notCurrent(Attachment attachment, InterpreterImpl current) {
        return new ThreadStateException(ErrorCode.NOT_CURRENT, "The thread state of "
                + attachment.interpreter().describe() + " is not the current one on thread "
                + name(attachment.owner()) + " (" + (current == null ? "nothing" : current.describe())
                + " is attached); use the newest thread state, or release it first");
    }

    public static ThreadStateException closeWhileAttached(InterpreterImpl interpreter) {
        return new ThreadStateException(ErrorCode.CLOSE_WHILE_ATTACHED, "Cannot close "
                + interpreter.describe() + " from thread " + name(Thread.currentThread())
                + ", which is attached to it: closing waits for every attachment, so it would wait for itself."
                + " Release the thread state first, or close from another thread");
    }

    public static ThreadStateException guardReleased(InterpreterImpl interpreter) {
        return new ThreadStateException(ErrorCode.ALREADY_RELEASED,
                "The guard of " + interpreter.describe() + " was already released");
    }

    public static ThreadStateException closeTimedOut(InterpreterImpl interpreter, List<String> javaHolders,
                                                      int guards, List<String> pythonThreads) {
        StringBuilder sb = new StringBuilder("Closing ").append(interpreter.describe())
                .append(" timed out, even after interrupting the Python code running in it; it stays CLOSING.");
        if (!javaHolders.isEmpty()) {
            sb.append(" Java threads still attached: ").append(String.join(", ", javaHolders)).append('.');
        }
        if (guards > 0) {
            sb.append(" Open guards: ").append(guards).append('.');
        }
        if (!pythonThreads.isEmpty()) {
            sb.append(" Python threads still running: ").append(String.join(", ", pythonThreads)).append('.');
        }
        return new ThreadStateException(ErrorCode.CLOSE_TIMED_OUT, sb.append(" Close again to keep waiting").toString());
    }

    public static String name(Thread thread) {
        return "'" + thread.getName() + "'" + (thread.isVirtual() ? " (virtual)" : "");
    }

    private static String capitalize(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
