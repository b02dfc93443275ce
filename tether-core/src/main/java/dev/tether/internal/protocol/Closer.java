package dev.tether.internal.protocol;

import dev.tether.ErrorCode;
import dev.tether.ThreadStateException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Owns closing an interpreter (docs/guide.md, "Interpreters and closing"): refuse new holds at once, wait for the
 * holds in flight, end the interpreter in CPython, then mark it closed.
 *
 * <ol>
 *   <li>Refuse if the closing thread itself holds the interpreter: it would wait for itself.</li>
 *   <li>Flip the gate to CLOSING (idempotent; concurrent closers are serialized and later ones find it done).</li>
 *   <li>Wait for every hold to drain, until the deadline.</li>
 *   <li>Past the deadline, interrupt the Python code running in the interpreter, wait a grace period, and fail with
 *       {@link ErrorCode#CLOSE_TIMED_OUT} naming the holders if they still hold (the gate stays CLOSING).</li>
 *   <li>Let the lifecycle thread end the interpreter (it waits for Python-started threads the same way).</li>
 *   <li>Mark the gate CLOSED: every later use is refused with {@link ErrorCode#INTERPRETER_CLOSED}.</li>
 * </ol>
 */
public final class Closer {
    /** How long interrupted code gets to stop before a close with a deadline gives up. */
    static final Duration MAX_GRACE = Duration.ofSeconds(2);
    /** The least time interrupted code gets: unwinding and printing a traceback takes a while on a busy machine. */
    static final Duration MIN_GRACE = Duration.ofSeconds(1);
    /** How often a close past its deadline interrupts again (here, and for Python's own threads at the end). */
    public static final Duration INTERRUPT_INTERVAL = Duration.ofMillis(500);

    private Closer() {}

    /**
     * Stops new holds on {@code interpreter} without waiting: step 2 alone. Used by the runtime to refuse new work
     * on every interpreter at once before closing them one by one.
     */
    public static void refuseNewHolds(InterpreterImpl interpreter) {
        interpreter.gate().beginClosing();
    }

    /**
     * Closes {@code interpreter}.
     *
     * @param timeout how long to wait for holds in flight before interrupting; null waits indefinitely and never
     *                interrupts
     */
    public static void close(InterpreterImpl interpreter, Duration timeout) {
        close(interpreter, deadline(timeout), grace(timeout));
    }

    /**
     * Closes {@code interpreter} by an absolute deadline, as part of a larger close (the runtime's): past the
     * deadline, interrupted code gets what is left of one {@code grace} after the deadline ({@link #giveUp}).
     *
     * @param deadline a {@link System#nanoTime()} instant, or {@link Long#MAX_VALUE} to wait indefinitely
     */
    public static void close(InterpreterImpl interpreter, long deadline, Duration grace) {
        if (ThreadStates.holds(interpreter)) {
            throw Failures.closeWhileAttached(interpreter);
        }
        IdleThreadStates.dropIdle(interpreter); // the closer's own idle thread state there: the end must not wait for it
        if (!lock(interpreter, deadline)) {
            throw Failures.closeTimedOut(interpreter, ThreadStates.holderNames(interpreter),
                    interpreter.gate().openGuards(), List.of("(another thread is still closing it)"));
        }
        try {
            Gate gate = interpreter.gate();
            if (gate.isClosed()) {
                return;
            }
            gate.beginClosing();
            if (!gate.awaitDrained(deadline)) {
                interruptAndWait(interpreter, giveUp(deadline, grace));
            }
            gate.beginEnding();
            gate.awaitDrained(Long.MAX_VALUE); // internal holds only: each lasts one GIL hand-over
            interpreter.lifecycle().end(interpreter, deadline, grace);
            gate.markClosed();
        } finally {
            interpreter.closeLock.unlock();
        }
    }

    /**
     * Closes each of {@code interpreters} in turn, with the same deadline: one that fails does not stop the others.
     *
     * @throws ThreadStateException the first failure, the later ones suppressed in it
     */
    public static void closeEach(List<InterpreterImpl> interpreters, long deadline, Duration grace) {
        ThreadStateException failure = null;
        for (InterpreterImpl interpreter : interpreters) {
            try {
                close(interpreter, deadline, grace);
            } catch (ThreadStateException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * When a close with {@code deadline} gives up: one grace period after the deadline, whichever phase it is in
     * (holds, Python threads, several interpreters of a runtime), so that the whole close is bounded by its timeout
     * plus one grace period (and CPython's own finalization).
     */
    public static long giveUp(long deadline, Duration grace) {
        return deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline + grace.toNanos();
    }

    /**
     * Interrupts, again every {@link #INTERRUPT_INTERVAL} (code may swallow one), until drained or {@code end}; at
     * least once, however late.
     */
    private static void interruptAndWait(InterpreterImpl interpreter, long end) {
        List<String> pythonThreads;
        do {
            pythonThreads = interpreter.lifecycle().interrupt(interpreter, ThreadStates.holderIdents(interpreter));
            long next = Math.min(end, System.nanoTime() + INTERRUPT_INTERVAL.toNanos());
            if (interpreter.gate().awaitDrained(next)) {
                return;
            }
        } while (System.nanoTime() - end < 0);
        throw Failures.closeTimedOut(interpreter, ThreadStates.holderNames(interpreter),
                interpreter.gate().openGuards(), pythonThreads);
    }

    private static boolean lock(InterpreterImpl interpreter, long deadline) {
        try {
            if (deadline == Long.MAX_VALUE) {
                interpreter.closeLock.lockInterruptibly();
                return true;
            }
            return interpreter.closeLock.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failures.closeInterrupted(interpreter.describe(), e);
        }
    }

    /** The deadline {@code timeout} from now: {@link Long#MAX_VALUE} for null (none). */
    public static long deadline(Duration timeout) {
        if (timeout == null) {
            return Long.MAX_VALUE;
        }
        long now = System.nanoTime();
        long nanos = timeout.isNegative() ? 0 : saturatedNanos(timeout);
        return nanos >= Long.MAX_VALUE - now ? Long.MAX_VALUE - 1 : now + nanos;
    }

    /** How long interrupted code gets to stop: the timeout, within {@link #MIN_GRACE} and {@link #MAX_GRACE}. */
    public static Duration grace(Duration timeout) {
        if (timeout == null || timeout.compareTo(MAX_GRACE) > 0) {
            return MAX_GRACE;
        }
        return timeout.compareTo(MIN_GRACE) < 0 ? MIN_GRACE : timeout;
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
