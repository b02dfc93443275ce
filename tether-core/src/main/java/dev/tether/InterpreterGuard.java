package dev.tether;

import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.GuardImpl;

/**
 * Holds an interpreter open without attaching a thread: while a guard is open, the interpreter cannot be
 * finalized ({@link Interpreter#close} waits for it). The Java counterpart of PEP 788's
 * {@code PyInterpreterGuard}.
 *
 * <p>Take a guard where the interpreter is known to be running, hand it to code that will run later or elsewhere,
 * and let that code attach with {@link ThreadState#ensure(InterpreterGuard)}: that attachment is admitted even if
 * the interpreter started closing in the meantime, because the guard kept it from being finalized.
 *
 * <h2 id="lifecycle">Lifecycle</h2>
 * Open from {@link Interpreter#guard()} until {@link #close()}; while any guard is open the interpreter stays
 * {@link Interpreter.State#RUNNING RUNNING} or {@link Interpreter.State#CLOSING CLOSING}, never closed.
 *
 * <h2 id="thread-safety">Thread safety</h2>
 * A guard is not bound to a thread: it can be closed from any thread.
 *
 * <h2 id="errors">Errors</h2>
 * {@link Interpreter#guard()} throws {@link ErrorCode#INTERPRETER_FINALIZING} or
 * {@link ErrorCode#INTERPRETER_CLOSED}; closing twice throws {@link ErrorCode#ALREADY_RELEASED}.
 *
 * @apiNote Closing a guard twice throws {@link ErrorCode#ALREADY_RELEASED}, like a thread state; a forgotten guard
 *          makes {@link Interpreter#close()} wait forever (and a close with a deadline time out), so close guards
 *          with try-with-resources.
 */
public final class InterpreterGuard implements AutoCloseable {
    private final Interpreter interpreter;
    final GuardImpl impl;

    InterpreterGuard(Interpreter interpreter, GuardImpl impl) {
        this.interpreter = interpreter;
        this.impl = impl;
    }

    /** The interpreter this guard holds. */
    public Interpreter interpreter() {
        return interpreter;
    }

    /** Whether the guard still holds its interpreter. */
    public boolean isOpen() {
        return impl.isOpen();
    }

    /**
     * Releases the interpreter; a close waiting for it may now proceed.
     *
     * @throws ThreadStateException {@link ErrorCode#ALREADY_RELEASED} if already closed
     */
    @Override
    public void close() {
        if (!impl.release()) {
            throw Failures.guardReleased(interpreter.impl);
        }
    }

    @Override
    public String toString() {
        return "InterpreterGuard[" + interpreter + (isOpen() ? "" : ", released") + "]";
    }
}
