package dev.tether.internal.protocol;

import java.util.concurrent.atomic.AtomicBoolean;

/** A shared hold on an interpreter's gate, not tied to a thread: the implementation of a public guard. */
public final class GuardImpl {
    private final InterpreterImpl interpreter;
    private final AtomicBoolean open = new AtomicBoolean(true);

    private GuardImpl(InterpreterImpl interpreter) {
        this.interpreter = interpreter;
    }

    /** Takes a guard, or returns null if the gate refuses new holds. */
    public static GuardImpl tryAcquire(InterpreterImpl interpreter) {
        return interpreter.gate().tryHoldShared() ? new GuardImpl(interpreter) : null;
    }

    /** Takes a guard for Tether's own use, admitted while closing but not once ending; or null. */
    static GuardImpl tryAcquireInternal(InterpreterImpl interpreter) {
        return interpreter.gate().tryHoldInternal() ? new GuardImpl(interpreter) : null;
    }

    public InterpreterImpl interpreter() {
        return interpreter;
    }

    public boolean isOpen() {
        return open.get();
    }

    /** Releases the hold; false if it was already released. Any thread. */
    public boolean release() {
        if (!open.compareAndSet(true, false)) {
            return false;
        }
        interpreter.gate().releaseShared();
        return true;
    }
}
