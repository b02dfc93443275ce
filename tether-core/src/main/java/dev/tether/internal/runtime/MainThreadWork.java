package dev.tether.internal.runtime;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.tether.internal.bridge.Support;
import dev.tether.internal.capi.CApi;
import dev.tether.internal.capi.Layouts;
import dev.tether.internal.protocol.IdleThreadStates;
import dev.tether.internal.protocol.Closer;
import dev.tether.internal.protocol.DeferredEnd;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.GilKicker;
import dev.tether.internal.protocol.InterpreterImpl;
import dev.tether.internal.protocol.Interrupts;
import dev.tether.internal.protocol.Lifecycle;
import dev.tether.internal.protocol.RuntimeFacts;
import dev.tether.internal.protocol.ThreadStates;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeoutException;

/**
 * The work that must run on CPython's main thread, the thread that owns every interpreter's first thread state:
 * creating subinterpreters, interrupting Python code, ending interpreters (waiting for the threads Python started
 * there first, as CPython does), and, between those, running the pending calls that CPython serves only on its main
 * thread ({@code Py_AddPendingCall}, signal handlers; F-PENDING-CALLS-MAIN).
 */
final class MainThreadWork {
    /** Extra time a bounded close grants CPython's own finalization after the holds drained. */
    static final Duration FINALIZE_SLACK = Duration.ofSeconds(10);
    /** How long an interrupt waits for CPython's main thread, which may itself be waiting for a GIL. */
    static final Duration INTERRUPT_PATIENCE = Duration.ofSeconds(2);
    /** How often the end looks again whether the threads Python started have ended. */
    static final long THREAD_POLL_MILLIS = 5;

    private final PythonMainThread thread;
    /** CPython's main thread's duty of running pending calls (F-PENDING-CALLS-MAIN). */
    private final PendingCallsDuty pending;
    private final InterpreterImpl main;
    private final RuntimeFacts facts;
    /** How each new interpreter is set up. */
    private final Support.Setup setup;
    /**
     * Refused before their init function runs in 3.12's isolated interpreters: refused there anyway, but the init
     * function has run first, and imported again in another interpreter they free process-wide state twice
     * (F-312-REFUSED-INIT).
     */
    private static final List<String> REFUSED_BEFORE_INIT_312 = List.of("_decimal", "_datetime");
    /** What the {@code PythonPackages} services add to {@code sys.path} of every interpreter. */
    private final List<String> pythonPath;
    /**
     * Ends in progress or finished with a failure, by interpreter. A close that timed out leaves its end running;
     * a second close must wait for that one, never queue another (which would attach a freed thread state).
     */
    private final Map<InterpreterImpl, Future<Void>> ends = new ConcurrentHashMap<>();
    /** Subinterpreters closed for Tether whose end in CPython is deferred (see {@link DeferredEnd}). */
    private final Map<InterpreterImpl, DeferredEnd> deferred = new ConcurrentHashMap<>();
    /** The thread that pokes {@link #deferred} ends while there are any; guarded by {@code this}. */
    private Thread watcher;

    MainThreadWork(PythonMainThread thread, InterpreterImpl main, RuntimeFacts facts, Support.Setup setup,
                   List<String> pythonPath) {
        this.thread = thread;
        this.main = main;
        this.facts = facts;
        this.setup = setup;
        this.pythonPath = pythonPath;
        this.pending = new PendingCallsDuty(thread, main, facts);
    }

    /** See {@link PendingCallsDuty#start}. */
    void servePendingCalls() {
        pending.start();
    }

    /** See {@link PendingCallsDuty#describe}. */
    String describePendingCalls() {
        return pending.describe();
    }

    /**
     * Creates a subinterpreter as {@code config} says (checked before): {@code Py_NewInterpreterFromConfig} on
     * 3.12+, {@code Py_NewInterpreter} (legacy, sharing the main GIL) before.
     */
    InterpreterImpl createSubinterpreter(Lifecycle lifecycle, SubinterpreterConfig config) {
        boolean fromConfig = facts.minor() >= 12;
        boolean ownGil = fromConfig && config.ownGil();
        if (fromConfig && !ownGil && facts.minor() == 12) {
            GilKicker.sharedGilSubinterpreter(); // before it exists: its first attachments are watched already
        }
        return thread.call(() -> {
            ThreadStates.restore(main, main.initialThreadState());
            MemorySegment own = fromConfig ? newFromConfig(config.fields()) : newLegacy();
            MemorySegment pointer = CApi.PyThreadState_GetInterpreter(own);
            InterpreterImpl created = new InterpreterImpl(CApi.PyInterpreterState_GetID(pointer), false,
                    ownGil, pointer, own, facts, lifecycle);
            try {
                Support.install(created, fromConfig && facts.minor() == 12 && config.checkMultiInterpExtensions()
                        ? setup.refusing(REFUSED_BEFORE_INIT_312) : setup);
                Support.extendPath(created, pythonPath);
            } finally {
                CApi.PyEval_SaveThread();
            }
            if (facts.minor() <= 11) {
                pending.serve(created); // F-PENDING-CALLS-MAIN: its own queue, served by the main thread only
            }
            return created;
        });
    }

    /**
     * See {@link Lifecycle#interrupt}. Runs on a fresh thread with a thread state of its own, not on CPython's main
     * thread: that one may be busy ending another interpreter, and a runtime's close interrupts every interpreter
     * at its deadline at once.
     */
    List<String> interrupt(InterpreterImpl interpreter, long[] idents) {
        long deadline = System.nanoTime() + INTERRUPT_PATIENCE.toNanos();
        FutureTask<List<String>> task = new FutureTask<>(() -> {
            List<String> names = Interrupts.withOwnThreadState(interpreter, () -> {
                List<String> interrupted = new ArrayList<>();
                for (long ident : idents) {
                    CApi.PyThreadState_SetAsyncExc(ident, CApi.PyExc_KeyboardInterrupt);
                }
                for (Support.PythonThread t : Support.pythonThreads(interpreter)) {
                    CApi.PyThreadState_SetAsyncExc(t.ident(), CApi.PyExc_KeyboardInterrupt);
                    interrupted.add(t.describe());
                }
                return interrupted;
            });
            return names == null ? List.of() : names; // ending: its end interrupts what still runs
        });
        Thread.ofPlatform().daemon().name("tether-close-interrupt").start(task);
        try {
            return PythonMainThread.await(task, deadline);
        } catch (TimeoutException e) {
            return List.of(Failures.interruptNotDelivered(interpreter));
        }
    }

    /**
     * Interrupts the Python code of the Java threads {@code idents} attached to {@code interpreter} (not the
     * threads Python started there): a {@code KeyboardInterrupt} at their next bytecode. Waits at most
     * {@link #INTERRUPT_PATIENCE} for CPython's main thread; false if the interrupt could not be delivered in time.
     */
    boolean interruptJavaThreads(InterpreterImpl interpreter, long[] idents) {
        long deadline = System.nanoTime() + INTERRUPT_PATIENCE.toNanos();
        try {
            return thread.call(() -> {
                if (interpreter.endedInCPython()) {
                    return false; // this thread ended it before this task ran: nothing of it runs any more
                }
                return withInitialThreadState(interpreter, () -> {
                    for (long ident : idents) {
                        CApi.PyThreadState_SetAsyncExc(ident, CApi.PyExc_KeyboardInterrupt);
                    }
                    return true;
                });
            }, deadline);
        } catch (TimeoutException e) {
            return false;
        }
    }

    /**
     * See {@link Lifecycle#end}. An end still running from an earlier close that timed out is waited for again, not
     * repeated; one that failed (Python threads did not stop) is repeated.
     */
    void end(InterpreterImpl interpreter, long deadline, Duration grace) {
        long bound = deadline == Long.MAX_VALUE ? Long.MAX_VALUE
                : deadline + grace.toNanos() + FINALIZE_SLACK.toNanos();
        Future<Void> task = ends.compute(interpreter, (i, earlier) -> earlier == null || failed(earlier)
                ? thread.submit(() -> {
                    if (interpreter.isMain()) {
                        finishDeferredEnds(); // every gate has drained: no Java thread can attach anything now
                    }
                    endOnMainThread(interpreter, deadline, grace);
                    return null;
                })
                : earlier);
        try {
            PythonMainThread.await(task, bound);
            ends.remove(interpreter);
        } catch (TimeoutException e) {
            throw Failures.endTimedOut(interpreter);
        }
    }

    private static boolean failed(Future<Void> task) {
        return task.state() == Future.State.FAILED || task.state() == Future.State.CANCELLED;
    }

    /**
     * Ends one interpreter on the thread that owns its first thread state.
     *
     * <ol>
     *   <li>Attach that thread state; wait for the non-daemon threads Python started there and, for a
     *       subinterpreter, until no other thread state is left (3.9-3.13 abort the process otherwise), interrupting
     *       them once the deadline passed; give up past the grace period.</li>
     *   <li>Release what Tether holds there: open buffers, queued references, the helpers.</li>
     *   <li>Subinterpreter: {@code Py_EndInterpreter}; before 3.12 the shared GIL is still ours afterwards with no
     *       thread state current, so switch to the main thread state and release it (F-END-KEEPS-GIL).</li>
     *   <li>Main: {@code Py_FinalizeEx}.</li>
     * </ol>
     */
    private void endOnMainThread(InterpreterImpl interpreter, long deadline, Duration grace) {
        MemorySegment own = interpreter.initialThreadState();
        ThreadStates.restore(interpreter, own);
        boolean ended = false;
        try {
            awaitPythonThreads(interpreter, own, deadline, grace);
            interpreter.runBeforeEnd();
            interpreter.drainDeferredReleases();
            if (interpreter.isMain()) {
                List<Long> alive = otherInterpreters();
                Support.uninstall(interpreter);
                ended = true;
                pending.stopServing(interpreter);
                if (!alive.isEmpty()) {
                    // Py_FinalizeEx would abort the process ("remaining subinterpreters"): leave CPython running,
                    // as when Python threads cannot be stopped. A bug in Tether if ever seen; said loudly.
                    System.getLogger("dev.tether").log(System.Logger.Level.ERROR, Failures.subinterpretersLeft(alive));
                    CApi.PyEval_SaveThread();
                    interpreter.markEnded();
                    return;
                }
                CApi.Py_FinalizeEx();
                interpreter.markEnded();
                return;
            }
            DeferredEnd waiting = IdleThreadStates.sweepIdle(interpreter, false);
            if (waiting != null) {
                Support.runExitFunctions(interpreter); // what Py_EndInterpreter would run now, run on time
                Support.uninstall(interpreter);
                defer(waiting);
                return; // the finally detaches
            }
            Support.uninstall(interpreter);
            ended = true;
            pending.stopServing(interpreter);
            endInterpreter(interpreter, own);
        } finally {
            if (!ended) {
                CApi.PyEval_SaveThread();
            }
        }
    }

    /** The ids of the interpreters CPython still has besides the main one (attached to the main interpreter). */
    private static List<Long> otherInterpreters() {
        List<Long> ids = new ArrayList<>();
        for (MemorySegment i = CApi.PyInterpreterState_Head(); !i.equals(MemorySegment.NULL);
             i = CApi.PyInterpreterState_Next(i)) {
            long id = CApi.PyInterpreterState_GetID(i);
            if (id != 0) {
                ids.add(id);
            }
        }
        return ids;
    }

    /** Step 3 of {@link #endOnMainThread}: {@code own} is attached; afterwards nothing is (F-END-KEEPS-GIL). */
    private void endInterpreter(InterpreterImpl interpreter, MemorySegment own) {
        CApi.Py_EndInterpreter(own);
        interpreter.markEnded();
        if (facts.minor() < 12) {
            CApi.PyThreadState_Swap(main.initialThreadState());
            CApi.PyEval_SaveThread();
        }
    }

    // ---- deferred ends ------------------------------------------------------------------------------------------

    /** How often the watcher looks whether the threads a deferred end waits for have moved on or terminated. */
    static final Duration WATCH_INTERVAL = Duration.ofMillis(100);

    /** Keeps {@code end} until it can finish, and makes sure a watcher pokes it. */
    private void defer(DeferredEnd end) {
        deferred.put(end.interpreter(), end);
        synchronized (this) {
            if (watcher == null) {
                watcher = Thread.ofPlatform().daemon().name("tether-end-watcher").start(this::watch);
            }
        }
        end.poke(); // a thread may have moved between the sweep's second look and the put
    }

    /** See {@link Lifecycle#resumeEnd}: queues the rest of the end on this (CPython's main) thread. */
    void resumeEnd(InterpreterImpl interpreter) {
        thread.submit(() -> {
            resume(interpreter, false);
            return null;
        });
    }

    /**
     * Ends a deferred subinterpreter: attaches its first thread state, deletes the idle thread states that are left
     * ({@code force}: also those live threads' slots still point at), and ends it. Quietly nothing if it is done.
     */
    private void resume(InterpreterImpl interpreter, boolean force) {
        if (deferred.remove(interpreter) == null) {
            return;
        }
        MemorySegment own = interpreter.initialThreadState();
        ThreadStates.restore(interpreter, own);
        boolean ended = false;
        try {
            DeferredEnd again = IdleThreadStates.sweepIdle(interpreter, force);
            if (again != null) {
                defer(again); // cannot happen (a slot that moved does not come back); kept waiting, never freed
                return;
            }
            interpreter.deferredEnd(null);
            interpreter.drainDeferredReleases();
            ended = true;
            pending.stopServing(interpreter);
            endInterpreter(interpreter, own);
        } finally {
            if (!ended) {
                CApi.PyEval_SaveThread();
            }
        }
    }

    /** At the runtime's end, before the main interpreter's: ends every deferred subinterpreter now. */
    private void finishDeferredEnds() {
        for (InterpreterImpl interpreter : List.copyOf(deferred.keySet())) {
            resume(interpreter, true);
        }
    }

    /** The watcher's loop: pokes every deferred end each {@link #WATCH_INTERVAL}; ends when none is left. */
    private void watch() {
        while (true) {
            synchronized (this) {
                if (deferred.isEmpty()) {
                    watcher = null;
                    return;
                }
            }
            deferred.values().forEach(DeferredEnd::poke);
            try {
                Thread.sleep(WATCH_INTERVAL);
            } catch (InterruptedException e) {
                // only an empty map ends the watcher
            }
        }
    }

    /**
     * Waits (detached between looks) until no thread Python started runs in the interpreter and, for a
     * subinterpreter, no other thread state is left in it (a finishing thread leaves threading's list a moment
     * before its thread state is deleted, F-THREADING-LIST-FIRST).
     *
     * <ol>
     *   <li>Non-daemon threads are waited for, as CPython does, until the deadline.</li>
     *   <li>Daemon threads are not waited for by CPython: it finalizes under them, and aborts the process if one
     *       holds a lock finalization needs (F-FINALIZE-UNDER-DAEMONS). So once only daemon threads are left, or
     *       the deadline passed, every thread is interrupted, again every {@link Closer#INTERRUPT_INTERVAL}.</li>
     *   <li>Past the grace period (counted from the deadline, or from when only daemons were left) the end gives up
     *       naming the threads: CPython is left running rather than finalized under them.</li>
     * </ol>
     */
    private void awaitPythonThreads(InterpreterImpl interpreter, MemorySegment own, long deadline, Duration grace) {
        long graceEnd = Long.MAX_VALUE;
        long nextInterrupt = Long.MAX_VALUE;
        while (true) {
            List<Support.PythonThread> threads = Support.pythonThreads(interpreter);
            boolean daemonsOnly = threads.stream().allMatch(Support.PythonThread::daemon);
            int others = interpreter.isMain() ? 0 : otherThreadStates(interpreter, own,
                    IdleThreadStates.idleThreadStates(interpreter));
            if (threads.isEmpty() && others == 0) {
                return;
            }
            long now = System.nanoTime();
            if (graceEnd == Long.MAX_VALUE && (daemonsOnly || (deadline != Long.MAX_VALUE && now - deadline >= 0))) {
                graceEnd = Math.min(Closer.giveUp(deadline, grace), now + grace.toNanos());
                nextInterrupt = now;
            }
            if (graceEnd != Long.MAX_VALUE && now - graceEnd >= 0) {
                List<String> names = new ArrayList<>(threads.stream().map(Support.PythonThread::describe).toList());
                if (names.isEmpty()) {
                    names.add(Failures.foreignThreadStates(others));
                }
                throw Failures.closeTimedOut(interpreter, List.of(), 0, names);
            }
            if (now - nextInterrupt >= 0) {
                // Again and again: code can swallow one (a bare except, or an interrupt landing in a helper).
                for (Support.PythonThread t : threads) {
                    CApi.PyThreadState_SetAsyncExc(t.ident(), CApi.PyExc_KeyboardInterrupt);
                }
                nextInterrupt = now + Closer.INTERRUPT_INTERVAL.toNanos();
            }
            CApi.PyEval_SaveThread();
            try {
                pending.runDue(); // an end can take seconds; pending calls keep running meanwhile
                Thread.sleep(THREAD_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                ThreadStates.restore(interpreter, own);
            }
        }
    }

    /** Thread states in the interpreter besides {@code own} and the idle ones Java threads keep there. */
    private static int otherThreadStates(InterpreterImpl interpreter, MemorySegment own, Set<MemorySegment> idle) {
        int count = 0;
        for (MemorySegment ts = CApi.PyInterpreterState_ThreadHead(interpreter.pointer());
             !ts.equals(MemorySegment.NULL); ts = CApi.PyThreadState_Next(ts)) {
            if (!ts.equals(own) && !idle.contains(ts)) {
                count++;
            }
        }
        return count;
    }

    private static <T> T withInitialThreadState(InterpreterImpl interpreter, Callable<T> body) throws Exception {
        ThreadStates.restore(interpreter, interpreter.initialThreadState());
        try {
            return body.call();
        } finally {
            CApi.PyEval_SaveThread();
        }
    }

    /** 3.12+: {@code Py_NewInterpreterFromConfig} with {@code fields}; attached to main before. */
    private MemorySegment newFromConfig(int[] fields) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment config = arena.allocate(Layouts.PY_INTERPRETER_CONFIG);
            for (int i = 0; i < fields.length; i++) {
                config.setAtIndex(JAVA_INT, i, fields[i]);
            }
            MemorySegment out = arena.allocate(ADDRESS);
            MemorySegment status = CApi.Py_NewInterpreterFromConfig(arena, out, config);
            if (status.get(JAVA_INT, 0) != 0) {
                String message = CApi.cString(status.get(ADDRESS, 16));
                if (CApi.PyThreadState_GetUnchecked().equals(main.initialThreadState())) {
                    CApi.PyEval_SaveThread();
                }
                throw Failures.subinterpreterNotCreated(message);
            }
            return out.get(ADDRESS, 0);
        }
    }

    /** 3.9-3.11: {@code Py_NewInterpreter}, sharing the main GIL. */
    private static MemorySegment newLegacy() {
        MemorySegment own = CApi.Py_NewInterpreter();
        if (own.equals(MemorySegment.NULL)) {
            CApi.PyEval_SaveThread();
            throw Failures.subinterpreterNotCreated(null);
        }
        return own;
    }
}
