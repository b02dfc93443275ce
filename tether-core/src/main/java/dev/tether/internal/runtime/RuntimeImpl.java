package dev.tether.internal.runtime;

import dev.tether.PythonVersion;
import dev.tether.ThreadStateException;
import dev.tether.internal.bridge.Bridge;
import dev.tether.internal.bridge.Publisher;
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
        this.work = new MainThreadWork(mainThread, main, facts);
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
            Startup.Started started = Startup.start(config, () -> everStarted = true);
            RuntimeImpl runtime = new RuntimeImpl(config, started);
            Startup.installSupport(started, runtime.main);
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
        return main.facts();
    }

    public State state() {
        return state;
    }

    @Override
    public InterpreterImpl mainInterpreter() {
        return main;
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

    /** Creates an isolated subinterpreter (see {@link #newInterpreter(boolean)}). */
    public InterpreterImpl newInterpreter() {
        return newInterpreter(true);
    }

    /** Creates a subinterpreter on CPython's main thread (see {@link MainThreadWork#createSubinterpreter}). */
    public InterpreterImpl newInterpreter(boolean isolated) {
        synchronized (lifecycleLock) {
            if (state != State.RUNNING) {
                throw Failures.runtimeNotRunning(state == State.CLOSED, "create a subinterpreter");
            }
            InterpreterImpl created = work.createSubinterpreter(this, isolated);
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

    /** Runs {@code task} on a carrier thread, not waiting for it (for {@code Interpreter.executor()}). */
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
        ThreadStates.dropCachedThreadStates(); // while the gates are open: the ends must not wait for the closer
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
            closeSubinterpreters(deadline, grace);
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

    private void closeSubinterpreters(long deadline, Duration grace) {
        ThreadStateException failure = null;
        for (InterpreterImpl i : interpreters.reversed()) {
            if (i.isMain() || i.gate().isClosed()) {
                continue;
            }
            try {
                Closer.close(i, deadline, grace);
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
