package dev.tether.bench;

import dev.tether.Interpreter;
import dev.tether.InterpreterGuard;
import dev.tether.internal.capi.CApi;
import java.lang.foreign.MemorySegment;

/**
 * A CPython thread state managed with raw C-API calls, as a C embedder caching one per thread would: created on
 * its owner thread ({@code PyThreadState_New}), attached and detached there ({@code PyEval_RestoreThread} /
 * {@code PyEval_SaveThread}), and deleted there while attached ({@code PyThreadState_Clear} +
 * {@code PyThreadState_DeleteCurrent}), never from another thread (F-GILSTATE-REBIND).
 *
 * <p>Tether does not see raw thread states, so each one is covered by an {@link InterpreterGuard}, taken before it
 * is created and closed after it is deleted: the runtime's close (run by whichever JMH thread tears down the
 * benchmark state first) then waits for every thread to delete its raw thread state instead of finalizing CPython
 * under it (F-FINALIZING-ATTACH-FATAL).
 */
public final class RawThreadState {
    private final Thread owner = Thread.currentThread();
    private final InterpreterGuard guard;
    /** The {@code PyThreadState *}, or null once deleted; owner thread only. */
    private MemorySegment threadState;

    /**
     * Creates a detached thread state owned by the calling thread.
     *
     * @param interpreter the interpreter, guarded until {@link #delete()}
     * @param pointer     its {@code PyInterpreterState *}
     */
    public RawThreadState(Interpreter interpreter, MemorySegment pointer) {
        guard = interpreter.guard();
        MemorySegment ts = CApi.PyThreadState_New(pointer);
        if (ts.equals(MemorySegment.NULL)) {
            guard.close();
            throw new IllegalStateException("PyThreadState_New returned NULL");
        }
        threadState = ts;
    }

    /** The {@code PyThreadState *}, for the benchmark loop (owner thread only). */
    public MemorySegment pointer() {
        return threadState;
    }

    /** Fails unless the calling thread created this thread state: JMH must not have moved the state. */
    public void checkOwner() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("raw thread state of '" + owner.getName() + "' used on '"
                    + Thread.currentThread().getName() + "'");
        }
    }

    /**
     * Deletes the thread state on its owner thread (attaches it, clears it, deletes it as the current one), then
     * closes the guard.
     */
    public void delete() {
        checkOwner();
        if (threadState != null) {
            CApi.PyEval_RestoreThread(threadState);
            CApi.PyThreadState_Clear(threadState);
            CApi.PyThreadState_DeleteCurrent();
            threadState = null;
            guard.close();
        }
    }

    /**
     * Fails if CPython has a thread state for the calling OS thread ({@code PyGILState_GetThisThreadState}), so a
     * baseline meant to start from a thread without one cannot silently measure a cached path instead.
     */
    public static void requireNone(String why) {
        if (!CApi.PyGILState_GetThisThreadState().equals(MemorySegment.NULL)) {
            throw new IllegalStateException("thread '" + Thread.currentThread().getName()
                    + "' already has a CPython thread state; " + why);
        }
    }
}
