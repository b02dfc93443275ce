package dev.tether;

import dev.tether.internal.protocol.Failures;
import dev.tether.internal.runtime.PoolImpl;
import dev.tether.internal.runtime.RuntimeConfig;
import dev.tether.internal.runtime.RuntimeImpl;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The CPython runtime embedded in this JVM: one per process, started once.
 *
 * {@snippet :
 * try (PythonRuntime python = PythonRuntime.start()) {
 *     Interpreter sub = python.newInterpreter();
 *     String hello = sub.call(ts -> (String) ts.eval("'hello from ' + __name__"));
 * }
 * }
 *
 * <h2 id="discovery">Which CPython</h2>
 * {@link #start()} looks, in order, at the {@link Builder} values, the system properties
 * {@code tether.python.library} and {@code tether.python.home}, the environment variables
 * {@code TETHER_PYTHON_LIBRARY} and {@code TETHER_PYTHON_HOME}, and finally the {@link PythonDistribution} services
 * on the class or module path (the {@code tether-cpython} artifact provides CPython 3.14, nothing to install). If
 * none is found it fails listing what it tried. CPython 3.9 to 3.15 are supported.
 *
 * <h2 id="embedding">What starting does to the process</h2>
 * libpython is loaded globally ({@code RTLD_GLOBAL}) and initialized on a dedicated platform thread, which becomes
 * Python's main thread and later finalizes it. No signal handlers are installed, the {@code PYTHON*} environment
 * variables are ignored unless {@link Builder#inheritEnvironment(boolean)} is set (so {@code PYTHONFAULTHANDLER}
 * cannot take over the JVM's crash handling), and {@code SystemExit} never exits the JVM. On CPython 3.9-3.13
 * initialization sets the process's {@code LC_CTYPE} locale.
 *
 * <h2 id="lifecycle">Lifecycle</h2>
 * RUNNING, then CLOSING once {@link #close()} begins (every interpreter refuses new attachments), then CLOSED once
 * every subinterpreter was ended and CPython finalized. A runtime cannot be restarted: CPython does not support it
 * reliably, so a second {@link #start()} in the same process fails. A JVM shutdown hook closes the runtime with a
 * bounded deadline ({@link Builder#shutdownTimeout(Duration)}); it never holds up JVM exit beyond it.
 *
 * <h2 id="thread-safety">Thread safety</h2>
 * All methods may be called from any thread.
 */
public final class PythonRuntime implements AutoCloseable {
    /** The one public handle of the process's runtime (there is at most one runtime per process). */
    private static PythonRuntime handle;

    private final RuntimeImpl impl;

    private PythonRuntime(RuntimeImpl impl) {
        this.impl = impl;
    }

    /**
     * Starts CPython, found as described in <a href="#discovery">Which CPython</a>, with default settings.
     *
     * @throws IllegalStateException if a runtime was already started in this process, or no usable CPython is found
     */
    public static PythonRuntime start() {
        return builder().start();
    }

    /** A builder for a runtime with explicit settings. */
    public static Builder builder() {
        return new Builder();
    }

    /** The runtime of this process, if one was started (it may be closing or closed). */
    public static Optional<PythonRuntime> current() {
        RuntimeImpl impl = RuntimeImpl.current();
        return impl == null ? Optional.empty() : Optional.of(wrap(impl));
    }

    /**
     * The runtime of this process.
     *
     * @throws ThreadStateException {@link ErrorCode#RUNTIME_NOT_STARTED} if none was started
     */
    public static PythonRuntime require() {
        return current().orElseThrow(Failures::runtimeNotStarted);
    }

    /** The version and build of the running CPython. */
    public PythonVersion version() {
        return impl.version();
    }

    /** The main interpreter. */
    public Interpreter mainInterpreter() {
        return Interpreter.of(impl.mainInterpreter());
    }

    /**
     * Creates a subinterpreter: isolated with its own GIL on CPython 3.12+ ({@link Interpreter#hasOwnGil()}), a
     * legacy subinterpreter sharing the main GIL on 3.9-3.11. Close it when done; the runtime's close closes the
     * ones left.
     *
     * @throws ThreadStateException {@link ErrorCode#INTERPRETER_FINALIZING} or {@link ErrorCode#INTERPRETER_CLOSED}
     *                              if the runtime is closing or closed
     */
    public Interpreter newInterpreter() {
        return Interpreter.of(impl.newInterpreter());
    }

    /**
     * Creates a pool of {@code size} isolated subinterpreters (own GIL each on CPython 3.12+) that run Python work
     * in parallel; see {@link InterpreterPool}.
     *
     * @throws IllegalArgumentException if {@code size < 1}
     * @throws ThreadStateException     {@link ErrorCode#INTERPRETER_FINALIZING} or {@link ErrorCode#INTERPRETER_CLOSED}
     *                                  if the runtime is closing or closed
     */
    public InterpreterPool newPool(int size) {
        return newPool(size, InterpreterConfig.isolated(), ts -> {});
    }

    /**
     * Creates a pool of {@code size} subinterpreters configured by {@code config}, each set up once by
     * {@code setup} (imports, functions, state) on the thread that will serve it, before the pool takes tasks.
     *
     * @throws IllegalArgumentException if {@code size < 1}
     * @throws ThreadStateException     if the runtime is closing or closed
     * @throws PythonException          if {@code setup} raised in a member (no pool is created; every member made
     *                                  is closed again), or whatever else {@code setup} threw
     */
    public InterpreterPool newPool(int size, InterpreterConfig config, Consumer<? super ThreadState> setup) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(setup, "setup");
        if (size < 1) {
            throw Failures.poolSize(size);
        }
        return new InterpreterPool(PoolImpl.create(impl, size, config.isIsolated(), member -> {
            try (ThreadState ts = ThreadState.ensure(Interpreter.of(member))) {
                setup.accept(ts);
            }
        }));
    }

    /** The interpreters not closed yet, the main interpreter first. */
    public List<Interpreter> interpreters() {
        return impl.interpreters().stream().map(Interpreter::of).toList();
    }

    /** Where the running libpython was loaded from and how it was found. */
    public String location() {
        return impl.describeLocation();
    }

    /** Whether the runtime is closed (every interpreter ended, CPython finalized). */
    public boolean isClosed() {
        return impl.state() == RuntimeImpl.State.CLOSED;
    }

    /**
     * Closes every interpreter and finalizes CPython, waiting as long as the work in flight takes. New attachments
     * are refused on every interpreter from the start.
     *
     * @apiNote Idempotent: closing a closed runtime returns at once.
     * @throws ThreadStateException {@link ErrorCode#CLOSE_WHILE_ATTACHED} if the calling thread is attached to any
     *                              interpreter
     */
    @Override
    public void close() {
        impl.close(null);
    }

    /**
     * Closes every interpreter and finalizes CPython, giving the work in flight at most {@code timeout}; past it,
     * Python code still running is interrupted (see {@link Interpreter#close(Duration)}). If an interpreter cannot
     * be closed, CPython is left running (finalizing it could crash the JVM), the runtime stays closing, and the
     * exception names what still runs.
     *
     * @throws ThreadStateException {@link ErrorCode#CLOSE_TIMED_OUT} or {@link ErrorCode#CLOSE_WHILE_ATTACHED}
     */
    public void close(Duration timeout) {
        impl.close(Objects.requireNonNull(timeout, "timeout"));
    }

    @Override
    public String toString() {
        return "PythonRuntime[CPython " + impl.version() + ", " + impl.state() + "]";
    }

    private static synchronized PythonRuntime wrap(RuntimeImpl impl) {
        PythonRuntime r = handle;
        if (r == null || r.impl != impl) {
            r = new PythonRuntime(impl);
            handle = r;
        }
        return r;
    }

    /**
     * Settings for a runtime. Not thread-safe: configure on one thread, then {@link #start()}. Settings are checked
     * together when starting.
     */
    public static final class Builder {
        private Path library;
        private Path home;
        private boolean inheritEnvironment;
        private boolean shutdownHook = true;
        private Duration shutdownTimeout = Duration.ofSeconds(10);
        private int carrierThreads = Math.max(2, Runtime.getRuntime().availableProcessors());

        private Builder() {}

        /** The libpython shared library to load ({@code libpython3.X.so...}). */
        public Builder library(Path library) {
            this.library = Objects.requireNonNull(library, "library");
            return this;
        }

        /**
         * The installation prefix ({@code sys.prefix}) whose {@code lib/python3.X} holds the standard library.
         * Derived from the library's location when not set.
         */
        public Builder home(Path home) {
            this.home = Objects.requireNonNull(home, "home");
            return this;
        }

        /**
         * Whether CPython reads the {@code PYTHON*} environment variables ({@code PYTHONPATH}, {@code PYTHONHOME},
         * {@code PYTHONFAULTHANDLER}...) and the user site-packages. Off by default: the environment of a JVM is
         * rarely meant for an embedded Python, and some variables would harm the JVM.
         */
        public Builder inheritEnvironment(boolean inherit) {
            this.inheritEnvironment = inherit;
            return this;
        }

        /** Whether a JVM shutdown hook closes the runtime (default true). */
        public Builder shutdownHook(boolean install) {
            this.shutdownHook = install;
            return this;
        }

        /** The deadline of the shutdown hook's close (default 10 seconds; past it, Python code is interrupted). */
        public Builder shutdownTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("shutdownTimeout must not be negative: " + timeout);
            }
            this.shutdownTimeout = timeout;
            return this;
        }

        /** Platform threads that run {@link Interpreter#call} work submitted from virtual threads (default: CPUs). */
        public Builder carrierThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("carrierThreads must be at least 1: " + threads);
            }
            this.carrierThreads = threads;
            return this;
        }

        /**
         * Starts the runtime.
         *
         * @throws IllegalStateException if a runtime was already started in this process, or the library or home
         *                               is unusable (the message says which and why)
         */
        public PythonRuntime start() {
            RuntimeImpl impl = RuntimeImpl.start(new RuntimeConfig(library, home, inheritEnvironment, shutdownHook,
                    shutdownTimeout, carrierThreads), PublicObjects.INSTANCE);
            return wrap(impl);
        }
    }
}
