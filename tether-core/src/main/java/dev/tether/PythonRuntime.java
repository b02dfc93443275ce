package dev.tether;

import dev.tether.internal.bridge.Support;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.runtime.PoolImpl;
import dev.tether.internal.runtime.RuntimeConfig;
import dev.tether.internal.runtime.RuntimeImpl;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The CPython runtime embedded in this JVM: one per process, started once.
 *
 * {@snippet class=dev.tether.snippets.ApiSnippets region=subinterpreter}
 *
 * <h2 id="discovery">Which CPython</h2>
 * {@link #start()} looks, in order, at the {@link Builder} values, the system properties
 * {@code tether.python.library} and {@code tether.python.home}, the environment variables
 * {@code TETHER_PYTHON_LIBRARY} and {@code TETHER_PYTHON_HOME}, and finally the {@link PythonDistribution} services
 * on the class or module path (the {@code tether-cpython} artifact provides CPython 3.14, nothing to install). If
 * none is found it fails listing what it tried. CPython 3.9 to 3.15 are supported. Then the {@link PythonPackages}
 * services on the class or module path are applied before CPython initializes (the {@code tether-numpy} artifact
 * provides numpy for the CPython of {@code tether-cpython}); one built for another CPython fails the start with
 * {@link ErrorCode#PYTHON_UNUSABLE}, naming both.
 *
 * <h2 id="embedding">What starting does to the process</h2>
 * libpython is loaded globally ({@code RTLD_GLOBAL}) and initialized on a dedicated platform thread, which becomes
 * Python's main thread and later finalizes it. No signal handlers are installed, the {@code PYTHON*} environment
 * variables are ignored unless {@link Builder#inheritEnvironment(boolean)} is set (so {@code PYTHONFAULTHANDLER}
 * cannot take over the JVM's crash handling), and {@code SystemExit} never exits the JVM. On CPython 3.9-3.13
 * initialization sets the process's {@code LC_CTYPE} locale.
 *
 * <h2 id="environment">Where Python runs from</h2>
 * {@code sys.executable} is the installation's own interpreter ({@code <home>/bin/python3.X}; for
 * {@code tether-cpython} the bundled one), {@link Builder#executable(Path)}, or a virtual environment's
 * ({@link Builder#virtualEnvironment(Path)}); never a {@code python3} found on {@code PATH}, and {@code PATH} never
 * selects a virtual environment. {@link #environment()} and {@link #toString()} show the effective prefix,
 * executable and {@code sys.path}.
 *
 * <h2 id="output">Program output</h2>
 * {@code sys.stdout} and {@code sys.stderr} of every interpreter are line-buffered: each thread's output is passed
 * on in whole lines (a line without a newline waits until that thread flushes, writes a newline, or the runtime
 * closes), so lines of different threads never mix and each thread's stay in order. By default they go to the
 * process's file descriptors 1 and 2, in order with Java's {@code System.out} lines; {@link Builder#stdout} and
 * {@link Builder#stderr} send them to Java streams. Closing {@code sys.stdout} only flushes it (command-line modules
 * such as {@code json.tool} close it). {@link Builder#forwardLogging(boolean)} sends Python {@code logging} records
 * to {@link System.Logger}s.
 *
 * <h2 id="processes">Processes</h2>
 * {@code subprocess} and {@code multiprocessing} start {@code sys.executable}; {@code multiprocessing}'s default
 * start method is {@code spawn} (3.9-3.13; CPython's default {@code fork} is unsafe in a JVM) or CPython's
 * {@code forkserver} (3.14+). {@code os.fork()} raises {@code RuntimeError} unless
 * {@link Builder#allowFork(boolean)}: the child would be a one-thread copy of the JVM that keeps the JVM's signal
 * handlers ({@code terminate()} cannot stop it), and with subinterpreters alive CPython's after-fork code deadlocks
 * or crashes.
 *
 * <h2 id="lifecycle">Lifecycle</h2>
 * RUNNING, then CLOSING once {@link #close()} begins (every interpreter refuses new attachments), then CLOSED once
 * every subinterpreter was ended and CPython finalized. A runtime cannot be restarted: CPython does not support it
 * reliably, so a second {@link #start()} in the same process fails. A JVM shutdown hook closes the runtime with a
 * bounded deadline ({@link Builder#shutdownTimeout(Duration)}); it never holds up JVM exit beyond it.
 *
 * <h2 id="exit">JVM exit</h2>
 * On {@code System.exit(n)}, SIGTERM or SIGINT the shutdown hook runs {@link #close(Duration)} with the shutdown
 * timeout. If Python code still runs after the timeout and one grace period (a blocking call cannot be
 * interrupted), CPython is not finalized: the hook names the threads on {@code System.err} and the JVM exits anyway,
 * with the status it was asked for. CPython is never finalized under running Python threads, daemon threads
 * included, because that can abort the process.
 *
 * <h2 id="main-thread">CPython's main thread</h2>
 * The dedicated thread that initialized CPython is its main thread. It runs no code of yours; it runs CPython's
 * pending calls ({@code Py_AddPendingCall}) within milliseconds while the runtime is open, and is where Python
 * signal handlers would run, but none can be installed under Tether (the JVM owns the process's signals), so
 * {@code _thread.interrupt_main()} does nothing, as documented for a signal Python does not handle. To interrupt
 * Python code running on a Java thread, interrupt that thread (see
 * <a href="Interpreter.html#interrupting">Interrupting</a>).
 *
 * <h2 id="thread-safety">Thread safety</h2>
 * All methods may be called from any thread; the {@link Builder} is not thread-safe.
 *
 * <h2 id="errors">Errors</h2>
 * Starting fails with a {@link ThreadStateException}: {@link ErrorCode#RUNTIME_ALREADY_STARTED},
 * {@link ErrorCode#NO_PYTHON_FOUND} (the message lists everything tried) or {@link ErrorCode#PYTHON_UNUSABLE} (it
 * says what is wrong with the CPython found). Closing fails as {@link Interpreter#close(Duration)} does.
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
     * @throws ThreadStateException {@link ErrorCode#RUNTIME_ALREADY_STARTED}, {@link ErrorCode#NO_PYTHON_FOUND} or
     *                              {@link ErrorCode#PYTHON_UNUSABLE}; see <a href="#errors">Errors</a>
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
        return newInterpreter(InterpreterConfig.isolated());
    }

    /**
     * Creates a subinterpreter as {@code config} says: {@link InterpreterConfig#isolated()} (what
     * {@link #newInterpreter()} makes), {@link InterpreterConfig#legacy()} (sharing the main GIL; single-phase
     * init extension modules such as numpy load there), or either with fields changed. See
     * <a href="InterpreterConfig.html#versions">CPython versions</a> for what 3.9-3.11 offer.
     *
     * @throws ThreadStateException {@link ErrorCode#INVALID_CONFIGURATION} if the running CPython cannot make such
     *                              an interpreter (the message names the fields), or as {@link #newInterpreter()}
     */
    public Interpreter newInterpreter(InterpreterConfig config) {
        Objects.requireNonNull(config, "config");
        return Interpreter.of(impl.newInterpreter(config.toInternal()));
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
        return new InterpreterPool(PoolImpl.create(impl, size, config.toInternal(), member -> {
            try (ThreadState ts = ThreadState.ensure(Interpreter.of(member))) {
                setup.accept(ts);
            }
        }));
    }

    /** The interpreters not closed yet, the main interpreter first. */
    public List<Interpreter> interpreters() {
        return impl.interpreters().stream().map(Interpreter::of).toList();
    }

    /**
     * Where Python runs from, as the main interpreter's {@code sys} said right after start-up: {@code sys.prefix},
     * {@code sys.base_prefix}, {@code sys.executable}, the virtual environment, {@code sys.path} and
     * {@code sys.argv}.
     */
    public PythonEnvironment environment() {
        Support.Environment e = impl.environment();
        Path venv = impl.virtualEnvironment();
        return new PythonEnvironment(Path.of(e.prefix()), Path.of(e.basePrefix()),
                e.executable().isEmpty() ? Optional.empty() : Optional.of(Path.of(e.executable())),
                Optional.ofNullable(venv), e.path(), e.argv());
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
     * Python code still running in any interpreter is interrupted (see {@link Interpreter#close(Duration)}), and
     * the whole close gives up one grace period after the deadline. If an interpreter cannot be closed, or Python
     * threads (daemon threads included) still run, CPython is left running (finalizing it could crash or abort the
     * process), the runtime stays closing, and the exception names what still runs.
     *
     * @throws ThreadStateException {@link ErrorCode#CLOSE_TIMED_OUT} or {@link ErrorCode#CLOSE_WHILE_ATTACHED}
     */
    public void close(Duration timeout) {
        impl.close(Objects.requireNonNull(timeout, "timeout"));
    }

    /**
     * For example {@code PythonRuntime[CPython 3.14.3, RUNNING, prefix /opt/venv, executable /opt/venv/bin/python3,
     * sys.path [...]]}: the version, the state, and the effective {@link #environment()}.
     */
    @Override
    public String toString() {
        Support.Environment e = impl.environment();
        return "PythonRuntime[CPython " + impl.version() + ", " + impl.state() + ", prefix " + e.prefix()
                + (e.prefix().equals(e.basePrefix()) ? "" : " (base " + e.basePrefix() + ")") + ", executable "
                + (e.executable().isEmpty() ? impl.describeExecutable() : e.executable()) + ", sys.path "
                + e.path() + "]";
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
        private Path virtualEnvironment;
        private List<Path> pythonPath = List.of();
        private Path executable;
        private List<String> argv = List.of("");
        private OutputStream stdout;
        private OutputStream stderr;
        private boolean forwardLogging;
        private boolean allowFork;
        private HostAccess hostAccess = HostAccess.NONE;

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
         * Runs Python in a virtual environment made by {@code python -m venv} (or virtualenv) with the same CPython
         * version: the folder holding {@code pyvenv.cfg}. Python then sees what a {@code python} started from the
         * environment's {@code bin/} would: {@code sys.prefix} and {@code sys.exec_prefix} are the environment,
         * {@code sys.base_prefix} the installation that made it, {@code sys.executable} its {@code bin/python3.X},
         * and its {@code site-packages} is on {@code sys.path} (with the installation's own too if
         * {@code pyvenv.cfg} says {@code include-system-site-packages = true}). If no library or home is set, the
         * installation named by {@code pyvenv.cfg}'s {@code home} is loaded.
         *
         * <p>Checked when starting: {@code pyvenv.cfg} must be readable and name a home with a standard library, its
         * version must be the loaded libpython's, and its installation the loaded one; {@link #executable(Path)}
         * cannot be set too. Failures name the file, the versions and the settings
         * ({@link ErrorCode#INVALID_CONFIGURATION}). {@code PATH} never selects an environment: only this does.
         */
        public Builder virtualEnvironment(Path venv) {
            this.virtualEnvironment = Objects.requireNonNull(venv, "venv");
            return this;
        }

        /**
         * Folders (or zip files) put in front of {@code sys.path} in every interpreter, in this order, as
         * {@code PYTHONPATH} would be (they are not site directories: their {@code .pth} files are not read).
         * Children started with {@code multiprocessing} get them too; plain {@code subprocess} children do not.
         */
        public Builder pythonPath(List<Path> entries) {
            this.pythonPath = List.copyOf(Objects.requireNonNull(entries, "entries"));
            return this;
        }

        /**
         * {@code sys.executable}: the interpreter binary that {@code subprocess.run([sys.executable, ...])} and
         * {@code multiprocessing} start. It should be the same CPython version as the loaded libpython. By default
         * it is the installation's own {@code bin/python3.X} (for {@code tether-cpython}, the bundled one), and if
         * that does not exist, {@code ""} (as CPython sets it when it finds none); it is never looked up on
         * {@code PATH}. Must be an executable file outside any virtual environment (use
         * {@link #virtualEnvironment(Path)} for those).
         */
        public Builder executable(Path executable) {
            this.executable = Objects.requireNonNull(executable, "executable");
            return this;
        }

        /**
         * {@code sys.argv} in every interpreter, {@code argv[0]} first (default {@code [""]}, what CPython sets
         * when no script runs; an empty list means that too). {@link ThreadState#runScript} and
         * {@link ThreadState#runModule} set it for their run.
         */
        public Builder argv(List<String> argv) {
            this.argv = List.copyOf(Objects.requireNonNull(argv, "argv"));
            return this;
        }

        /**
         * Sends {@code sys.stdout} (text and {@code .buffer}) of every interpreter, and of every thread Python
         * starts, to {@code out}. See <a href="#output">Program output</a>.
         */
        public Builder stdout(OutputStream out) {
            this.stdout = Objects.requireNonNull(out, "out");
            return this;
        }

        /** Sends {@code sys.stderr} of every interpreter to {@code err}, like {@link #stdout(OutputStream)}. */
        public Builder stderr(OutputStream err) {
            this.stderr = Objects.requireNonNull(err, "err");
            return this;
        }

        /**
         * Whether Python {@code logging} records go to {@link System.Logger}s (default false): a handler on
         * Python's root logger, in every interpreter, logs each record to {@code System.getLogger(record.name)}
         * (the root logger is {@code "root"}) at the matching level (CRITICAL and ERROR: ERROR, WARNING, INFO,
         * DEBUG; lower: TRACE), with the message as Python's default formatter writes it (the traceback
         * included). Python's root logger level becomes the most verbose level Java's root logger takes. As with
         * any handler on the root logger, {@code logging.basicConfig()} then does nothing unless
         * {@code force=True}.
         */
        public Builder forwardLogging(boolean forward) {
            this.forwardLogging = forward;
            return this;
        }

        /**
         * Whether Python code may call {@code os.fork()} (default false: it raises {@code RuntimeError} explaining
         * why). A forked JVM is a copy with one thread whose signal handlers are the JVM's; see
         * <a href="#processes">Processes</a>. Allow it only for code that forks to {@code exec} at once.
         */
        public Builder allowFork(boolean allow) {
            this.allowFork = allow;
            return this;
        }

        /**
         * Which Java objects cross into Python as proxies, and which of their members Python may reach (default
         * {@link HostAccess#NONE}: only the values of the conversion table and callables cross). Applies to every
         * interpreter of the runtime. See {@link HostAccess}.
         */
        public Builder hostAccess(HostAccess policy) {
            this.hostAccess = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Starts the runtime.
         *
         * @throws ThreadStateException {@link ErrorCode#RUNTIME_ALREADY_STARTED}, {@link ErrorCode#NO_PYTHON_FOUND}
         *                              or {@link ErrorCode#PYTHON_UNUSABLE} (the message says which and why)
         */
        public PythonRuntime start() {
            RuntimeImpl impl = RuntimeImpl.start(new RuntimeConfig(library, home, inheritEnvironment, shutdownHook,
                    shutdownTimeout, carrierThreads, virtualEnvironment, pythonPath, executable, argv, stdout, stderr,
                    forwardLogging, allowFork, hostAccess.policy()), PublicObjects.INSTANCE);
            return wrap(impl);
        }
    }
}
