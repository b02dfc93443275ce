package dev.tether.internal.runtime;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.tether.ErrorCode;
import dev.tether.PythonVersion;
import dev.tether.ThreadStateException;
import dev.tether.internal.bridge.Support;
import dev.tether.internal.capi.CApi;
import dev.tether.internal.capi.Layouts;
import dev.tether.internal.capi.LibPython;
import dev.tether.internal.protocol.Closer;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.GilKicker;
import dev.tether.internal.protocol.InterpreterImpl;
import dev.tether.internal.protocol.RuntimeFacts;
import dev.tether.internal.protocol.ThreadStates;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one CPython runtime of this process: loading, initialization, interpreter creation and the lifecycle
 * operations the close protocol delegates (ending interpreters on CPython's main thread).
 *
 * <pre>
 * state  RUNNING ──close()──▶ CLOSING ──every interpreter ended──▶ CLOSED
 *        (a close that times out leaves CLOSING; closing again retries. Never back to RUNNING: CPython cannot
 *         be restarted in a process, DESIGN fact 7.)
 * </pre>
 */
public final class RuntimeImpl implements InterpreterImpl.Lifecycle {
    private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)\\.(\\d+)");
    /** Extra time a bounded close grants CPython's own finalization after the holds drained. */
    private static final Duration FINALIZE_SLACK = Duration.ofSeconds(10);

    /** Guards {@link #instance}, {@link #everStarted} and starting. */
    private static final Object START_LOCK = new Object();
    private static volatile RuntimeImpl instance;
    private static boolean everStarted;

    private final RuntimeConfig config;
    private final PythonVersion version;
    private final RuntimeFacts facts;
    private final Discovery.Found location;
    private final PythonMainThread mainThread;
    private final Carriers carriers;
    private final InterpreterImpl main;
    /** Live interpreters, main first; guarded for structural consistency with state by {@link #lifecycleLock}. */
    private final List<InterpreterImpl> interpreters = new CopyOnWriteArrayList<>();
    /** Orders interpreter creation against the runtime's close. */
    private final Object lifecycleLock = new Object();
    /** Serializes closers of the runtime. */
    private final java.util.concurrent.locks.ReentrantLock closeLock = new java.util.concurrent.locks.ReentrantLock();
    private volatile State state = State.RUNNING;
    private volatile Thread shutdownHook;

    /** The runtime's lifecycle. */
    public enum State { RUNNING, CLOSING, CLOSED }

    private RuntimeImpl(RuntimeConfig config, Discovery.Found location, PythonVersion version,
                        PythonMainThread mainThread, MemorySegment[] mainState) {
        this.config = config;
        this.location = location;
        this.version = version;
        this.facts = RuntimeFacts.of(version.minor(), version.debug());
        this.mainThread = mainThread;
        this.carriers = new Carriers(config.carrierThreads());
        this.main = new InterpreterImpl(0, true, true, mainState[1], mainState[0], facts, this);
        interpreters.add(main);
    }

    /** The running (or closing) runtime, or null. */
    public static RuntimeImpl current() {
        return instance;
    }

    /**
     * Starts the process's runtime.
     *
     * <ol>
     *   <li>Refuse a second start: one CPython per process, never restarted.</li>
     *   <li>Find and load libpython (RTLD_GLOBAL), read its version, check the home's standard library.</li>
     *   <li>Initialize CPython on a new main thread; install Tether's helpers in the main interpreter.</li>
     *   <li>Register the shutdown hook.</li>
     * </ol>
     */
    public static RuntimeImpl start(RuntimeConfig config) {
        synchronized (START_LOCK) {
            if (instance != null && instance.state != State.CLOSED) {
                throw new IllegalStateException("A Python runtime is already running in this process ("
                        + instance.version + "); use PythonRuntime.current(), or close it first");
            }
            if (everStarted) {
                throw new IllegalStateException("A Python runtime was already started in this process; CPython"
                        + " cannot be initialized again after it was finalized. Start one runtime per process"
                        + " and use subinterpreters for work that comes and goes");
            }
            Discovery.Found found = Discovery.resolve(config);
            LibPython.load(found.library());
            PythonVersion version = readVersion(found);
            checkHome(found, version);
            everStarted = true; // from here on CPython's process state may have changed
            PythonMainThread mainThread = new PythonMainThread();
            MemorySegment[] mainState;
            try {
                mainState = mainThread.call(() -> initializeOnMainThread(config, found, version));
            } catch (RuntimeException | Error e) {
                mainThread.stop();
                throw e;
            }
            RuntimeImpl runtime = new RuntimeImpl(config, found, version, mainThread, mainState);
            mainThread.call(() -> {
                CApi.PyEval_RestoreThread(runtime.main.initialThreadState());
                try {
                    Support.initializeRuntime();
                    Support.install(runtime.main);
                } finally {
                    CApi.PyEval_SaveThread();
                }
                return null;
            });
            if (config.shutdownHook()) {
                runtime.installShutdownHook();
            }
            instance = runtime;
            return runtime;
        }
    }

    public PythonVersion version() {
        return version;
    }

    public RuntimeFacts facts() {
        return facts;
    }

    public State state() {
        return state;
    }

    public InterpreterImpl mainInterpreter() {
        return main;
    }

    /** Where libpython was loaded from, and why. */
    public String describeLocation() {
        return location.library() + " (home " + location.home() + ", from " + location.source() + ")";
    }

    /** Interpreters not yet closed, main first. */
    @Override
    public List<InterpreterImpl> interpreters() {
        List<InterpreterImpl> live = new ArrayList<>();
        for (InterpreterImpl i : interpreters) {
            if (!i.gate().isClosed()) {
                live.add(i);
            }
        }
        if (live.size() != interpreters.size()) {
            interpreters.retainAll(live); // forget the closed ones (end() has already told the GilKicker)
        }
        return live;
    }

    /**
     * Creates a subinterpreter on CPython's main thread: isolated with its own GIL on 3.12+, a legacy
     * shared-GIL subinterpreter before.
     */
    public InterpreterImpl newInterpreter() {
        synchronized (lifecycleLock) {
            if (state != State.RUNNING) {
                throw new ThreadStateException(state == State.CLOSED ? ErrorCode.INTERPRETER_CLOSED
                        : ErrorCode.INTERPRETER_FINALIZING,
                        "Cannot create a subinterpreter: the Python runtime is " + state.name().toLowerCase());
            }
            InterpreterImpl created = mainThread.call(this::createSubinterpreter);
            interpreters.add(created);
            GilKicker.liveInterpreters(interpreters().size());
            return created;
        }
    }

    /**
     * Runs {@code task} on a platform carrier thread (for callers on virtual threads).
     *
     * @throws ThreadStateException with the interpreter's refusal once the runtime is closed (no carrier is left)
     */
    public <T> T onCarrier(InterpreterImpl interpreter, Callable<T> task) {
        try {
            return carriers.call(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw Failures.notOpen(interpreter).exception();
        }
    }

    /**
     * Closes every interpreter (subinterpreters first, then the main one, which finalizes CPython).
     *
     * <ol>
     *   <li>Refuse if the calling thread holds any interpreter.</li>
     *   <li>Refuse new holds on every interpreter at once; no interpreter can be created from now on.</li>
     *   <li>Close each subinterpreter, then the main interpreter, each within what is left of the deadline.</li>
     *   <li>If one could not be closed, keep CPython running (finalizing it with live subinterpreters or
     *       running threads could crash) and report; the runtime stays CLOSING and a later close retries.</li>
     * </ol>
     *
     * @param timeout null to wait for work in flight however long it takes
     */
    public void close(Duration timeout) {
        for (InterpreterImpl i : interpreters) {
            if (ThreadStates.holds(i)) {
                throw Failures.closeWhileAttached(i);
            }
        }
        long deadline = Closer.deadline(timeout);
        Duration grace = Closer.grace(timeout);
        lockForClose(timeout);
        try {
            if (state == State.CLOSED) {
                return;
            }
            synchronized (lifecycleLock) {
                state = State.CLOSING;
            }
            interpreters.forEach(Closer::refuseNewHolds);
            ThreadStateException failure = null;
            for (InterpreterImpl i : interpreters.reversed()) {
                if (i.isMain() || i.gate().isClosed()) {
                    continue;
                }
                try {
                    Closer.close(i, deadline, grace);
                } catch (ThreadStateException e) {
                    failure = accumulate(failure, e);
                }
            }
            if (failure != null) {
                throw failure;
            }
            Closer.close(main, deadline, grace);
            interpreters.clear();
            state = State.CLOSED;
            mainThread.stop();
            carriers.shutdown();
            removeShutdownHook();
        } finally {
            closeLock.unlock();
        }
    }

    private void lockForClose(Duration timeout) {
        try {
            if (timeout == null) {
                closeLock.lockInterruptibly();
            } else if (!closeLock.tryLock(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)) {
                throw new ThreadStateException(ErrorCode.CLOSE_TIMED_OUT,
                        "Another thread is still closing the Python runtime");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ThreadStateException(ErrorCode.CLOSE_TIMED_OUT,
                    "Interrupted while waiting to close the Python runtime", e);
        }
    }

    // ---- Lifecycle, run on CPython's main thread --------------------------------------------------------------

    @Override
    public List<String> interrupt(InterpreterImpl interpreter, long[] idents) {
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        try {
            return mainThread.call(() -> withInitialThreadState(interpreter, () -> {
                List<String> names = new ArrayList<>();
                for (long ident : idents) {
                    CApi.PyThreadState_SetAsyncExc(ident, CApi.PyExc_KeyboardInterrupt);
                }
                for (Support.PythonThread t : Support.pythonThreads(interpreter)) {
                    CApi.PyThreadState_SetAsyncExc(t.ident(), CApi.PyExc_KeyboardInterrupt);
                    names.add(t.describe());
                }
                return names;
            }), deadline);
        } catch (TimeoutException e) {
            return List.of("(none interrupted: CPython's main thread could not attach to "
                    + interpreter.describe() + " in time)");
        }
    }

    @Override
    public void end(InterpreterImpl interpreter, long deadline, Duration grace) {
        long bound = deadline == Long.MAX_VALUE ? Long.MAX_VALUE
                : deadline + grace.toNanos() + FINALIZE_SLACK.toNanos();
        try {
            mainThread.call(() -> {
                endOnMainThread(interpreter, deadline, grace);
                return null;
            }, bound);
            GilKicker.liveInterpreters(interpreters().size() - (interpreter.isMain() ? 0 : 1));
        } catch (TimeoutException e) {
            throw new ThreadStateException(ErrorCode.CLOSE_TIMED_OUT, "CPython did not finish ending "
                    + interpreter.describe() + " in time (its atexit handlers or finalizers may be blocked)");
        }
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
     *       thread state current, so switch to the main thread state and release it.</li>
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
                Support.uninstall(interpreter);
                ended = true;
                CApi.Py_FinalizeEx();
                return;
            }
            Support.uninstall(interpreter);
            ended = true;
            CApi.Py_EndInterpreter(own);
            if (version.minor() < 12) {
                CApi.PyThreadState_Swap(main.initialThreadState());
                CApi.PyEval_SaveThread();
            }
        } finally {
            if (!ended) {
                CApi.PyEval_SaveThread();
            }
        }
    }

    /**
     * Waits (detached between looks) until no non-daemon thread Python started runs in the interpreter and, for a
     * subinterpreter, no other thread state is left in it (a finishing thread leaves threading's list a moment
     * before its thread state is deleted). Past the deadline, interrupts those threads once; past the grace
     * period, gives up naming them.
     */
    private void awaitPythonThreads(InterpreterImpl interpreter, MemorySegment own, long deadline, Duration grace) {
        long graceEnd = Long.MAX_VALUE;
        long nextInterrupt = Long.MAX_VALUE;
        while (true) {
            List<Support.PythonThread> threads = Support.pythonThreads(interpreter);
            List<Support.PythonThread> running = threads.stream().filter(t -> !t.daemon()).toList();
            int others = interpreter.isMain() ? 0 : otherThreadStates(interpreter, own);
            if (running.isEmpty() && others == 0) {
                return;
            }
            long now = System.nanoTime();
            if (graceEnd == Long.MAX_VALUE && deadline != Long.MAX_VALUE && now - deadline >= 0) {
                graceEnd = now + grace.toNanos();
                nextInterrupt = now;
            }
            if (graceEnd != Long.MAX_VALUE && now - graceEnd >= 0) {
                List<String> names = new ArrayList<>(threads.stream().map(Support.PythonThread::describe).toList());
                if (names.isEmpty()) {
                    names.add(others + " thread state(s) of code outside Tether");
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
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                ThreadStates.restore(interpreter, own);
            }
        }
    }

    private static int otherThreadStates(InterpreterImpl interpreter, MemorySegment own) {
        int count = 0;
        for (MemorySegment ts = CApi.PyInterpreterState_ThreadHead(interpreter.pointer());
             !ts.equals(MemorySegment.NULL); ts = CApi.PyThreadState_Next(ts)) {
            if (!ts.equals(own)) {
                count++;
            }
        }
        return count;
    }

    private <T> T withInitialThreadState(InterpreterImpl interpreter, Callable<T> body) throws Exception {
        ThreadStates.restore(interpreter, interpreter.initialThreadState());
        try {
            return body.call();
        } finally {
            CApi.PyEval_SaveThread();
        }
    }

    private InterpreterImpl createSubinterpreter() {
        ThreadStates.restore(main, main.initialThreadState());
        MemorySegment own;
        boolean ownGil = version.minor() >= 12;
        if (ownGil) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate(ADDRESS);
                MemorySegment status = CApi.Py_NewInterpreterFromConfig(arena, out, isolatedConfig(arena));
                if (status.get(JAVA_INT, 0) != 0) {
                    String message = CApi.cString(status.get(ADDRESS, 16));
                    if (CApi.PyThreadState_GetUnchecked().equals(main.initialThreadState())) {
                        CApi.PyEval_SaveThread();
                    }
                    throw new IllegalStateException("CPython could not create a subinterpreter: " + message);
                }
                own = out.get(ADDRESS, 0);
            }
        } else {
            own = CApi.Py_NewInterpreter();
            if (own.equals(MemorySegment.NULL)) {
                CApi.PyEval_SaveThread();
                throw new IllegalStateException("CPython could not create a subinterpreter");
            }
        }
        MemorySegment pointer = CApi.PyThreadState_GetInterpreter(own);
        InterpreterImpl created = new InterpreterImpl(CApi.PyInterpreterState_GetID(pointer), false, ownGil,
                pointer, own, facts, this);
        try {
            Support.install(created);
        } finally {
            CApi.PyEval_SaveThread();
        }
        return created;
    }

    /** An isolated interpreter: own GIL, own allocator, no fork/exec/daemon threads, multi-phase modules only. */
    private static MemorySegment isolatedConfig(Arena arena) {
        MemorySegment config = arena.allocate(Layouts.PY_INTERPRETER_CONFIG);
        int[] values = {0, 0, 0, 1, 0, 1, 2};
        for (int i = 0; i < values.length; i++) {
            config.setAtIndex(JAVA_INT, i, values[i]);
        }
        return config;
    }

    // ---- start-up helpers -------------------------------------------------------------------------------------

    private static MemorySegment[] initializeOnMainThread(RuntimeConfig config, Discovery.Found found,
                                                          PythonVersion version) {
        Startup.initialize(found.home(), config.inheritEnvironment(), version.minor());
        MemorySegment own = CApi.PyThreadState_Get();
        MemorySegment interp = CApi.PyInterpreterState_Main();
        CApi.PyEval_SaveThread();
        return new MemorySegment[] {own, interp};
    }

    private static PythonVersion readVersion(Discovery.Found found) {
        String text;
        try {
            text = CApi.Py_GetVersion();
        } catch (ExceptionInInitializerError | NoClassDefFoundError e) {
            throw new IllegalStateException("Cannot bind the C API of " + found.library() + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
        Matcher m = VERSION.matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("Cannot read the version of " + found.library() + " from '" + text + "'");
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        if (major != 3 || minor < 9) {
            throw new IllegalStateException("Tether supports CPython 3.9 to 3.15; " + found.library() + " is "
                    + m.group());
        }
        boolean debug = LibPython.find("_Py_NegativeRefcount").isPresent();
        boolean freeThreaded = LibPython.find("_Py_DecRefShared").isPresent();
        return new PythonVersion(major, minor, Integer.parseInt(m.group(3)), debug, freeThreaded);
    }

    private static void checkHome(Discovery.Found found, PythonVersion version) {
        var stdlib = Discovery.stdlib(found.home(), version.minor());
        if (!Files.isRegularFile(stdlib.resolve("os.py")) || !Files.isDirectory(stdlib.resolve("encodings"))) {
            throw new IllegalStateException("The home " + found.home() + " has no standard library for CPython "
                    + version + " (expected " + stdlib + "/os.py and encodings/); set the home explicitly");
        }
    }

    private void installShutdownHook() {
        Thread hook = Thread.ofPlatform().name("tether-shutdown").unstarted(() -> {
            try {
                close(config.shutdownTimeout());
            } catch (RuntimeException e) {
                System.err.println("tether: the Python runtime was not closed at JVM exit: " + e.getMessage());
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        shutdownHook = hook;
    }

    private void removeShutdownHook() {
        Thread hook = shutdownHook;
        if (hook != null && hook != Thread.currentThread()) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down: the hook is running or done
            }
        }
    }

    private static ThreadStateException accumulate(ThreadStateException first, ThreadStateException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }
}
