package dev.tether.internal.runtime;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.capi.PendingCallsProbe;
import dev.tether.internal.protocol.InterpreterImpl;
import dev.tether.internal.protocol.Interrupts;
import dev.tether.internal.protocol.RuntimeFacts;
import dev.tether.internal.protocol.ThreadStates;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The duty of CPython's main thread to run pending calls ({@code Py_AddPendingCall}, signal handlers), which run only
 * there (F-PENDING-CALLS-MAIN) and which Tether's main thread, running no user code, must run itself: it looks at
 * CPython's pending-call flags without a GIL whenever it has nothing else to do, and attaches only to run what is due.
 * Everything here runs on CPython's main thread.
 */
final class PendingCallsDuty {
    /**
     * How often CPython's main thread looks for pending calls when it has nothing else to do: without taking a GIL
     * where the probe found CPython's flags (F-PENDING-CALLS-FLAG), so looking often costs Python threads nothing.
     */
    static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** How long the probe's waiter waits for the GIL: past CPython's switch interval (5 ms), it asks for it. */
    static final long GIL_WAIT_MILLIS = 30;
    /** Failed pending calls reported in one look at most (each failure stops CPython's loop over the queue). */
    static final int MAX_FAILED_CALLS = 32;
    /** Where no flag was found: how often the main thread takes the GIL to run pending calls anyway. */
    static final long FALLBACK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final PythonMainThread thread;
    private final InterpreterImpl main;
    private final RuntimeFacts facts;
    /**
     * Interpreters whose main-thread pending calls this thread serves (the main one; on 3.9-3.11 every one, each
     * has its own queue); emptied before CPython frees them.
     */
    private final List<InterpreterImpl> served = new ArrayList<>();
    /** Main thread only; null where no flag was found. */
    private PendingCallsProbe probe;
    /** Main thread only: when the fallback last ran the pending calls. */
    private long lastFallback;

    PendingCallsDuty(PythonMainThread thread, InterpreterImpl main, RuntimeFacts facts) {
        this.thread = thread;
        this.main = main;
        this.facts = facts;
    }

    /** Serves {@code interpreter}'s queue too (3.9-3.11: each interpreter has its own). */
    void serve(InterpreterImpl interpreter) {
        served.add(interpreter);
    }

    /**
     * Makes CPython's main thread serve pending calls from now on: finds CPython's flags, then looks at them every
     * {@link #POLL_NANOS} whenever the thread has nothing else to do.
     */
    void start() {
        thread.call(() -> {
            ThreadStates.restore(main, main.initialThreadState());
            Thread waiter = null;
            try {
                PendingCallsProbe found = PendingCallsProbe.discover(facts.minor());
                if (found != null) {
                    // A thread waiting for the GIL we hold sets a drop request: what it sets is not the queue.
                    waiter = Thread.ofPlatform().daemon().name("tether-gil-waiter")
                            .start(() -> Interrupts.withOwnThreadState(main, () -> null));
                    Thread.sleep(GIL_WAIT_MILLIS);
                    found = found.withoutWordsSetNow();
                }
                probe = found;
            } finally {
                CApi.PyEval_SaveThread();
            }
            if (waiter != null) {
                waiter.join();
            }
            served.add(main);
            return null;
        });
        thread.duty(this::runDue, POLL_NANOS);
    }

    /** Where the pending-call flags were found, for diagnostics: "none" if the fallback polls. */
    String describe() {
        PendingCallsProbe p = probe;
        return p == null ? "none (the GIL is taken every " + FALLBACK_NANOS / 1_000_000 + " ms)" : p.describe();
    }

    /** The main thread's duty: runs the pending calls of each served interpreter that has some. */
    void runDue() {
        try {
            boolean fallback = probe == null && System.nanoTime() - lastFallback >= FALLBACK_NANOS;
            for (InterpreterImpl interpreter : List.copyOf(served)) {
                if (probe != null ? probe.due(interpreter.pointer()) : fallback) {
                    ThreadStates.restore(interpreter, interpreter.initialThreadState());
                    try {
                        makePendingCalls();
                        if (probe != null) {
                            probe.ran(interpreter.pointer());
                        }
                    } finally {
                        CApi.PyEval_SaveThread();
                    }
                }
            }
            if (fallback) {
                lastFallback = System.nanoTime();
            }
        } catch (RuntimeException e) {
            System.getLogger("dev.tether").log(System.Logger.Level.ERROR, "running pending calls failed", e);
        }
    }

    /**
     * Runs the pending calls due on this thread, attached. One that raised has no caller to raise in (on CPython's
     * own main thread it would interrupt the program), so it is reported through {@code sys.unraisablehook}.
     */
    private static void makePendingCalls() {
        // CPython stops at a call that failed and leaves the rest queued: go on with them.
        for (int i = 0; i < MAX_FAILED_CALLS && CApi.Py_MakePendingCalls() < 0; i++) {
            CApi.PyErr_WriteUnraisable(MemorySegment.NULL);
        }
    }

    /** Before CPython frees {@code interpreter} (all of them, for the main one): stop looking at its memory. */
    void stopServing(InterpreterImpl interpreter) {
        for (InterpreterImpl i : interpreter.isMain() ? List.copyOf(served) : List.of(interpreter)) {
            served.remove(i);
            if (probe != null) {
                probe.forget(i.pointer());
            }
        }
    }
}
