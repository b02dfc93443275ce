package dev.tether.internal.runtime;

import dev.tether.PythonVersion;
import dev.tether.internal.bridge.Bridge;
import dev.tether.internal.bridge.Publisher;
import dev.tether.internal.bridge.Support;
import dev.tether.internal.protocol.IdleThreadStates;
import dev.tether.internal.protocol.Closer;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.GilKicker;
import dev.tether.internal.protocol.InterpreterImpl;
import dev.tether.internal.protocol.Lifecycle;
import dev.tether.internal.protocol.RuntimeFacts;
import dev.tether.internal.protocol.ThreadStates;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one CPython runtime of this process: starting it, creating interpreters, and closing it all. What must run on
 * CPython's main thread is {@link MainThreadWork}'s; how CPython is found and initialized is {@link Startup}'s.
 *
 * <pre>
 * state  RUNNING ──close()──▶ CLOSING ──every interpreter ended──▶ CLOSED
 *        (a close that times out leaves CLOSING; closing again retries. Never back to RUNNING: CPython cannot
 *         be restarted in a process, F-NO-RESTART.)
 * </pre>
 */
public final class RuntimeImpl implements Lifecycle {
    /** Guards {@link #instance}, {@link #everStarted} and starting. */
    private static final Object START_LOCK = new Object();
    private static volatile RuntimeImpl instance;
    private static boolean everStarted;

    private final RuntimeConfig config;
    private final PythonVersion version;
    private final Discovery.Found location;
    private final PythonMainThread mainThread;
    private final MainThreadWork work;
    private final Carriers carriers;
    private final InterpreterImpl main;
    /** How every interpreter is set up (sys.argv, sys.path, output...). */
    private final Support.Setup setup;
    /** What the main interpreter's sys said right after start-up; set once by {@link #start}. */
    private volatile Support.Environment environment;
    /** What CPython was told about the executable, for reports. */
    private final EnvironmentPlan plan;
    /** Pools not closed yet; their close, or the runtime's, removes them. */
    private final java.util.Set<PoolImpl> pools = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Live interpreters, main first; changed under {@link #lifecycleLock} (creation) or by the closer. */
    private final List<InterpreterImpl> interpreters = new CopyOnWriteArrayList<>();
    /** Orders interpreter creation against the runtime's close. */
    private final Object lifecycleLock = new Object();
    /** Serializes closers of the runtime. */
    private final ReentrantLock closeLock = new ReentrantLock();
    private volatile State state = State.RUNNING;
    private volatile Thread shutdownHook;

    /** The runtime's lifecycle. */
    public enum State { RUNNING, CLOSING, CLOSED }

    private RuntimeImpl(RuntimeConfig config, Startup.Started started) {
        this.config = config;
        this.location = started.location();
        this.version = started.version();
        this.mainThread = started.mainThread();
        RuntimeFacts facts = RuntimeFacts.of(version.minor(), version.debug());
        this.carriers = new Carriers(config.carrierThreads());
        this.main = new InterpreterImpl(0, true, true, started.mainInterpreter(), started.mainThreadState(), facts,
                this);
        this.plan = started.plan();
        this.setup = setup(config, plan, version.minor());
        this.work = new MainThreadWork(mainThread, main, facts, setup, started.pythonPath());
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
     *   <li>Find, load, check and initialize CPython on a new main thread ({@link Startup}).</li>
     *   <li>Install Tether's helpers in the main interpreter; if that fails, finalize CPython again and report.</li>
     *   <li>Register the shutdown hook.</li>
     * </ol>
     */
    public static RuntimeImpl start(RuntimeConfig config, Publisher publisher) {
        synchronized (START_LOCK) {
            if (instance != null && instance.state != State.CLOSED) {
                throw Failures.runtimeRunning(instance.version.toString());
            }
            if (everStarted) {
                throw Failures.runtimeStartedBefore();
            }
            Bridge.install(publisher);
            Bridge.hostPolicy(config.hostAccess());
            Startup.Started started = Startup.start(config, () -> everStarted = true);
            RuntimeImpl runtime = new RuntimeImpl(config, started);
            runtime.environment = Startup.installSupport(started, runtime.main, runtime.setup);
            runtime.work.servePendingCalls();
            if (config.shutdownHook()) {
                runtime.installShutdownHook();
            }
            instance = runtime;
            return runtime;
        }
    }

    /**
     * The set-up every interpreter gets (F-EXECUTABLE-FROM-PATH, F-FORK-IN-JVM, F-MULTIPROCESSING-START):
     * {@code sys.executable} emptied when no interpreter binary was found, {@code os.fork()} refused unless allowed,
     * and {@code spawn} as multiprocessing's default where CPython's is {@code fork} (3.9-3.13).
     */
    private static Support.Setup setup(RuntimeConfig config, EnvironmentPlan plan, int minor) {
        return new Support.Setup(plan.executableUsable() ? null : "", plan.argv(), plan.pythonPath(),
                config.stdout(), config.stderr(), config.forwardLogging(),
                config.allowFork() ? null : Failures.forkRefused(), minor <= 13, List.of());
    }

    /** What the main interpreter's {@code sys} said right after start-up. */
    public Support.Environment environment() {
        return environment;
    }

    /** The virtual environment the runtime runs in, or null. */
    public java.nio.file.Path virtualEnvironment() {
        return plan.venv() == null ? null : plan.venv().root();
    }

    /** How reports name the executable: its path, or what was tried. */
    public String describeExecutable() {
        return plan.describeExecutable();
    }

    public PythonVersion version() {
        return version;
    }

    public RuntimeFacts facts() {
        return main.facts();
    }

    public State state() {
        return state;
    }

    @Override
    public InterpreterImpl mainInterpreter() {
        return main;
    }

    /** Where CPython's pending-call flags were found (diagnostics and tests). */
    public String describePendingCalls() {
        return work.describePendingCalls();
    }

    /** Where libpython was loaded from, and why. */
    public String describeLocation() {
        return location.library() + " (home " + location.home() + ", from " + location.source() + ")";
    }

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

    /** Creates a subinterpreter on CPython's main thread (see {@link MainThreadWork#createSubinterpreter}). */
    public InterpreterImpl newInterpreter(SubinterpreterConfig config) {
        config.check(version.minor());
        synchronized (lifecycleLock) {
            if (state != State.RUNNING) {
                throw Failures.runtimeNotRunning(state == State.CLOSED, "create a subinterpreter");
            }
            InterpreterImpl created = work.createSubinterpreter(this, config);
            interpreters.add(created);
            GilKicker.liveInterpreters(interpreters().size());
            return created;
        }
    }

    @Override
    public <T> T onCarrier(InterpreterImpl interpreter, Callable<T> task) {
        try {
            return carriers.call(task);
        } catch (RejectedExecutionException e) {
            throw Failures.notOpen(interpreter).exception();
        }
    }

    void register(PoolImpl pool) {
        pools.add(pool);
    }

    void unregister(PoolImpl pool) {
        pools.remove(pool);
    }

    /** See {@link MainThreadWork#interruptJavaThreads}. */
    boolean interruptJavaThreads(InterpreterImpl interpreter, long[] idents) {
        return work.interruptJavaThreads(interpreter, idents);
    }

    @Override
    public void executeOnCarrier(Runnable task) {
        carriers.execute(task);
    }

    @Override
    public List<String> interrupt(InterpreterImpl interpreter, long[] idents) {
        return work.interrupt(interpreter, idents);
    }

    @Override
    public void end(InterpreterImpl interpreter, long deadline, Duration grace) {
        work.end(interpreter, deadline, grace);
        GilKicker.liveInterpreters(interpreters().size() - (interpreter.isMain() ? 0 : 1));
    }

    @Override
    public void resumeEnd(InterpreterImpl interpreter) {
        work.resumeEnd(interpreter);
    }

    @Override
    public void closeRuntime(Duration timeout) {
        close(timeout);
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
        IdleThreadStates.dropCachedThreadStates(); // while the gates are open: the ends must not wait for the closer
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
            pools.forEach(PoolImpl::runtimeClosing); // their tasks would be refused by their members anyway
            Thread interrupter = interruptAllAt(deadline, Closer.giveUp(deadline, grace));
            try {
                closeSubinterpreters(deadline, grace);
                Closer.close(main, deadline, grace);
            } finally {
                if (interrupter != null) {
                    interrupter.interrupt();
                }
            }
            interpreters.clear();
            state = State.CLOSED;
            flushJavaStreams();
            mainThread.stop();
            carriers.shutdown();
            removeShutdownHook();
        } finally {
            closeLock.unlock();
        }
    }

    /** Python flushed into them as it finalized; a stream that buffers of its own gets a last flush too. */
    private void flushJavaStreams() {
        for (java.io.OutputStream out : new java.io.OutputStream[] {config.stdout(), config.stderr()}) {
            if (out != null) {
                try {
                    synchronized (out) {
                        out.flush();
                    }
                } catch (java.io.IOException e) {
                    // nothing more can be written there; Python's writes already reported their failures
                }
            }
        }
    }

    /**
     * Past {@code deadline}, interrupts what runs in every interpreter not closed yet, again every
     * {@link Closer#INTERRUPT_INTERVAL} until {@code giveUp}: interpreters are closed one after another, and the
     * last must not get its first interrupt only when the others used up the grace period. Returns the thread
     * (interrupt it to stop it), or null for a close without deadline.
     */
    private Thread interruptAllAt(long deadline, long giveUp) {
        if (deadline == Long.MAX_VALUE) {
            return null;
        }
        return Thread.ofPlatform().daemon().name("tether-close-deadline").start(() -> {
            try {
                for (long at = deadline; at - giveUp < 0; at += Closer.INTERRUPT_INTERVAL.toNanos()) {
                    long wait = at - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    for (InterpreterImpl i : interpreters()) {
                        if (i.gate().isClosing()) {
                            work.interrupt(i, ThreadStates.holderIdents(i));
                        }
                    }
                }
            } catch (InterruptedException e) {
                // the close is over
            }
        });
    }

    private void closeSubinterpreters(long deadline, Duration grace) {
        Closer.closeEach(interpreters.reversed().stream().filter(i -> !i.isMain() && !i.gate().isClosed()).toList(),
                deadline, grace);
    }

    private void lockForClose(Duration timeout) {
        try {
            if (timeout == null) {
                closeLock.lockInterruptibly();
            } else if (!closeLock.tryLock(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS)) {
                throw Failures.closeBusy("the Python runtime");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failures.closeInterrupted("the Python runtime", e);
        }
    }

    private void installShutdownHook() {
        Thread hook = Thread.ofPlatform().name("tether-shutdown").unstarted(() -> {
            try {
                close(config.shutdownTimeout());
            } catch (RuntimeException e) {
                // Not System.Logger: logging frameworks shut themselves down in hooks of their own (JUL's
                // LogManager resets its handlers), so at JVM exit a log record would likely be lost.
                System.err.println("tether: " + Failures.notClosedAtExit(e.getMessage()));
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
}
