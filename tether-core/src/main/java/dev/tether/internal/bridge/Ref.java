package dev.tether.internal.bridge;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.InterpreterImpl;
import dev.tether.internal.protocol.ThreadStates;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One strong reference to a Python object, owned by one interpreter: what a public {@code PyObject} stands on.
 *
 * <pre>
 * state  users (0..n) ──close()──▶ CLOSED|users ──last user leaves──▶ reference dropped
 *        (the CLOSED bit is set once, by close() or by the Cleaner; the reference is dropped exactly once)
 * </pre>
 *
 * <p>Operations {@linkplain #acquire() acquire} the reference for their duration, so a {@code close()} from another
 * thread (or the Cleaner) never frees an object under a call in flight: the last user drops it. Dropping never
 * blocks: a thread attached to the owning interpreter decrements the count at once; any other thread hands the
 * address to the interpreter's deferred releases, performed at its next attachment or when it ends. After the
 * interpreter ended, dropping does nothing: CPython freed everything.
 *
 * <p>It must not reference the public object, so that the Cleaner can see that object become unreachable.
 */
public final class Ref implements Runnable {
    private static final int CLOSED = 1 << 30;

    final InterpreterImpl interpreter;
    final MemorySegment address;
    private final AtomicInteger state = new AtomicInteger();

    Ref(InterpreterImpl interpreter, MemorySegment address) {
        this.interpreter = interpreter;
        this.address = address;
    }

    public InterpreterImpl interpreter() {
        return interpreter;
    }

    /** Registers a use; false if the reference was closed. */
    boolean acquire() {
        while (true) {
            int s = state.get();
            if ((s & CLOSED) != 0) {
                return false;
            }
            if (state.compareAndSet(s, s + 1)) {
                return true;
            }
        }
    }

    /** Ends a use; the last use after a close drops the reference. */
    void release() {
        if (state.decrementAndGet() == CLOSED) {
            drop();
        }
    }

    /** Closes the reference; false if it was already closed. Any thread, never blocks. */
    public boolean close() {
        while (true) {
            int s = state.get();
            if ((s & CLOSED) != 0) {
                return false;
            }
            if (state.compareAndSet(s, s | CLOSED)) {
                if (s == 0) {
                    drop();
                }
                return true;
            }
        }
    }

    public boolean isClosed() {
        return (state.get() & CLOSED) != 0;
    }

    /** The Cleaner's action: the public object became unreachable without being closed. */
    @Override
    public void run() {
        close();
    }

    private void drop() {
        if (interpreter.gate().isClosed()) {
            return;
        }
        if (ThreadStates.isAttached(interpreter)) {
            CApi.Py_DecRef(address);
        } else {
            interpreter.deferRelease(address);
        }
    }
}
