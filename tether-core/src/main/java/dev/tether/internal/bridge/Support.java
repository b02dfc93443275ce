package dev.tether.internal.bridge;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.capi.ObjectHeader;
import dev.tether.internal.protocol.InterpreterImpl;
import dev.tether.internal.protocol.Interrupts;
import dev.tether.internal.protocol.Slot;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The Python helpers ({@code tether_support.py}) installed in each interpreter, and the handles to them. Every
 * method requires a thread state of that interpreter to be attached.
 */
public final class Support {
    private static final String SOURCE = load();

    /** Where each interpreter keeps its helpers. */
    private static final Slot<Handles> HANDLES = Slot.of(Handles.class, "Python helpers");

    /** New references owned by the interpreter until {@link #uninstall}. */
    record Handles(MemorySegment module, MemorySegment describe, MemorySegment pythonThreads,
                   MemorySegment javaException, MemorySegment runMain, MemorySegment flushStreams,
                   MemorySegment environment, MemorySegment toNumpy,
                   MemorySegment runExitFunctions) {}

    /**
     * How an interpreter is set up right after the helpers ran (the runtime fills it from the builder). Applied in
     * every interpreter alike: CPython copies none of it into a subinterpreter.
     *
     * @param executable     {@code sys.executable} to set, or null to keep CPython's
     * @param argv           {@code sys.argv}
     * @param pythonPath     entries put in front of {@code sys.path}
     * @param stdout         the Java stream for {@code sys.stdout}, or null for file descriptor 1
     * @param stderr         the Java stream for {@code sys.stderr}, or null for file descriptor 2
     * @param forwardLogging whether Python {@code logging} records go to {@code System.Logger}
     * @param forkRefusal    the message {@code os.fork()} raises, or null to leave it alone
     * @param spawnByDefault whether multiprocessing's default start method becomes {@code spawn}
     * @param refusedModules extension modules refused before their init function runs (F-312-REFUSED-INIT)
     */
    public record Setup(String executable, List<String> argv, List<String> pythonPath, OutputStream stdout,
                        OutputStream stderr, boolean forwardLogging, String forkRefusal, boolean spawnByDefault,
                        List<String> refusedModules) {
        /** The same set-up, refusing {@code modules} too. */
        public Setup refusing(List<String> modules) {
            return new Setup(executable, argv, pythonPath, stdout, stderr, forwardLogging, forkRefusal,
                    spawnByDefault, modules);
        }
    }

    /** Where the environment an interpreter reports lies (see {@code environment()} in the helpers). */
    public record Environment(String prefix, String basePrefix, String executable, List<String> path,
                              List<String> argv) {}

    /** A thread that Python code started in an interpreter. */
    public record PythonThread(long ident, String name, boolean daemon, String where) {
        /**
         * How reports name it: {@code 'worker' (daemon) in poll (server.py:42)}; without the position where it is
         * unknown ({@code where} is {@code "?"}: on 3.12+, where no safe way to read another thread's frame exists).
         */
        public String describe() {
            return "'" + name + "'" + (daemon ? " (daemon)" : "") + ("?".equals(where) ? "" : " in " + where);
        }
    }

    private Support() {}

    /** Learns the object layout of the running build; once, attached, before any conversion. */
    public static void initializeRuntime() {
        ObjectHeader.detect();
    }

    /**
     * Compiles and runs the helpers in {@code interpreter}, then sets it up as {@code setup} says; the helpers live
     * until {@link #uninstall}.
     */
    public static void install(InterpreterImpl interpreter, Setup setup) {
        compile(interpreter);
        configure(interpreter, setup);
    }

    private static void compile(InterpreterImpl interpreter) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment code = CApi.Py_CompileString(arena.allocateFrom(SOURCE),
                    arena.allocateFrom("<tether_support>"), PyRun.FILE_INPUT);
            if (code.equals(MemorySegment.NULL)) {
                throw Errors.fetch(interpreter);
            }
            MemorySegment module = CApi.PyModule_New(arena.allocateFrom("_tether_support"));
            MemorySegment dict = CApi.PyModule_GetDict(module);
            // Without __builtins__ in its globals, 3.9 would run the module with an empty builtins namespace.
            MemorySegment builtins = CApi.PyImport_ImportModule(arena.allocateFrom("builtins"));
            CApi.PyDict_SetItemString(dict, arena.allocateFrom("__builtins__"), builtins);
            CApi.Py_DecRef(builtins);
            MemorySegment result = CApi.PyEval_EvalCode(code, dict, dict);
            CApi.Py_DecRef(code);
            if (result.equals(MemorySegment.NULL)) {
                CApi.Py_DecRef(module);
                throw Errors.fetch(interpreter);
            }
            CApi.Py_DecRef(result);
            interpreter.set(HANDLES, new Handles(module,
                    CApi.PyObject_GetAttrString(module, arena.allocateFrom("describe")),
                    CApi.PyObject_GetAttrString(module, arena.allocateFrom("python_threads")),
                    CApi.PyObject_GetAttrString(module, arena.allocateFrom("java_exception")),
                    CApi.PyObject_GetAttrString(module, arena.allocateFrom("run_main")),
                    CApi.PyObject_GetAttrString(module, arena.allocateFrom("flush_streams")),
                    CApi.PyObject_GetAttrString(module, arena.allocateFrom("environment")),
                    CApi.PyObject_GetAttrString(module, arena.allocateFrom("to_numpy")),
                    CApi.PyObject_GetAttrString(module, arena.allocateFrom("run_exit_functions"))));
            interpreter.set(Interrupts.TYPE, CApi.PyObject_GetAttrString(module, arena.allocateFrom("Interrupted")));
            ObjectSpace.install(interpreter, module);
        }
    }

    /** Calls the helpers' {@code configure} with {@code setup}; the sinks become direct Java callables. */
    private static void configure(InterpreterImpl interpreter, Setup setup) {
        // in the order of configure()'s parameters; each a new reference, which PyTuple_SetItem steals
        MemorySegment[] items = {
                ToPython.convert(interpreter, setup.executable()),
                ToPython.convert(interpreter, setup.argv()),
                ToPython.convert(interpreter, setup.pythonPath()),
                Output.sink(interpreter, setup.stdout(), "stdout"),
                Output.sink(interpreter, setup.stderr(), "stderr"),
                setup.forwardLogging() ? Output.logger(interpreter) : PyTypes.newRef(CApi.Py_None),
                ToPython.convert(interpreter, setup.forwardLogging() ? Output.pythonLevel() : 0L),
                ToPython.convert(interpreter, setup.forkRefusal()),
                ToPython.convert(interpreter, setup.spawnByDefault()),
                ToPython.convert(interpreter, setup.refusedModules())};
        MemorySegment tuple = CApi.PyTuple_New(items.length);
        for (int i = 0; i < items.length; i++) {
            CApi.PyTuple_SetItem(tuple, i, items[i]);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment configure = CApi.PyObject_GetAttrString(handles(interpreter).module(),
                    arena.allocateFrom("configure"));
            MemorySegment result = CApi.PyObject_CallObject(configure, tuple);
            CApi.Py_DecRef(configure);
            if (result.equals(MemorySegment.NULL)) {
                throw Errors.fetch(interpreter);
            }
            CApi.Py_DecRef(result);
        } finally {
            CApi.Py_DecRef(tuple);
        }
    }

    /**
     * Runs a script file or a module as {@code __main__} with {@code args} (see {@code run_main}) and returns the
     * exit status.
     */
    public static int runMain(InterpreterImpl interpreter, boolean module, String target, List<String> args) {
        Object status = callHelper(interpreter, handles(interpreter).runMain(), module, target, args);
        return status instanceof Long l ? (int) (long) l : 1;
    }

    /** What {@code sys} says about the interpreter's environment now. */
    @SuppressWarnings("unchecked")
    public static Environment environment(InterpreterImpl interpreter) {
        Object[] t = (Object[]) callHelper(interpreter, handles(interpreter).environment());
        return new Environment((String) t[0], (String) t[1], (String) t[2], List.copyOf((List<String>) t[3]),
                List.copyOf((List<String>) t[4]));
    }

    private static Object callHelper(InterpreterImpl interpreter, MemorySegment helper, Object... args) {
        MemorySegment tuple = ToPython.convert(interpreter, args);
        try {
            MemorySegment result = CApi.PyObject_CallObject(helper, tuple);
            if (result.equals(MemorySegment.NULL)) {
                throw Errors.fetch(interpreter);
            }
            try {
                return ToJava.convert(interpreter, result);
            } finally {
                CApi.Py_DecRef(result);
            }
        } finally {
            CApi.Py_DecRef(tuple);
        }
    }

    /**
     * Appends {@code entries} to the interpreter's {@code sys.path} (each once), right after {@link #install}: the
     * folders of the {@code PythonPackages} services.
     */
    public static void extendPath(InterpreterImpl interpreter, List<String> entries) {
        if (entries.isEmpty()) {
            return;
        }
        callNamedHelper(interpreter, "extend_path", entries);
    }

    /**
     * A borrowed reference to the helper {@code to_numpy} (see {@link NumpyArrays}); the module holds it while the
     * interpreter lives.
     */
    static MemorySegment toNumpy(InterpreterImpl interpreter) {
        return handles(interpreter).toNumpy();
    }

    /** Calls the helper {@code name} with one argument (converted) and drops the result. */
    private static void callNamedHelper(InterpreterImpl interpreter, String name, Object argument) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment function = CApi.PyObject_GetAttrString(handles(interpreter).module(),
                    arena.allocateFrom(name));
            if (function.equals(MemorySegment.NULL)) {
                throw Errors.fetch(interpreter);
            }
            try {
                CApi.Py_DecRef(Calls.call(interpreter, function, new Object[] {argument}, null));
            } finally {
                CApi.Py_DecRef(function);
            }
        }
    }

    /** Drops the helpers' references before CPython tears the interpreter down. */
    public static void uninstall(InterpreterImpl interpreter) {
        ObjectSpace.close(interpreter);
        MemorySegment interrupted = interpreter.take(Interrupts.TYPE);
        if (interrupted != null) {
            CApi.Py_DecRef(interrupted);
        }
        Handles h = interpreter.take(HANDLES);
        if (h != null) {
            MemorySegment flushed = CApi.PyObject_CallObject(h.flushStreams(), MemorySegment.NULL);
            if (flushed.equals(MemorySegment.NULL)) {
                CApi.PyErr_Clear();
            } else {
                CApi.Py_DecRef(flushed);
            }
            CApi.Py_DecRef(h.runMain());
            CApi.Py_DecRef(h.flushStreams());
            CApi.Py_DecRef(h.environment());
            CApi.Py_DecRef(h.describe());
            CApi.Py_DecRef(h.pythonThreads());
            CApi.Py_DecRef(h.javaException());
            CApi.Py_DecRef(h.toNumpy());
            CApi.Py_DecRef(h.runExitFunctions());
            CApi.Py_DecRef(h.module());
        }
    }

    static Handles handles(InterpreterImpl interpreter) {
        return interpreter.get(HANDLES);
    }

    /** The live threads Python code started in {@code interpreter} (see {@code python_threads}). */
    public static List<PythonThread> pythonThreads(InterpreterImpl interpreter) {
        Handles h = handles(interpreter);
        MemorySegment tuple = CApi.PyObject_CallObject(h.pythonThreads(), MemorySegment.NULL);
        if (tuple.equals(MemorySegment.NULL)) {
            throw Errors.fetch(interpreter);
        }
        try {
            List<PythonThread> threads = new ArrayList<>();
            long n = CApi.PyTuple_Size(tuple);
            for (long i = 0; i < n; i++) {
                MemorySegment item = CApi.PyTuple_GetItem(tuple, i);
                threads.add(new PythonThread(
                        (Long) ToJava.convert(interpreter, CApi.PyTuple_GetItem(item, 0)),
                        (String) ToJava.convert(interpreter, CApi.PyTuple_GetItem(item, 1)),
                        (Boolean) ToJava.convert(interpreter, CApi.PyTuple_GetItem(item, 2)),
                        (String) ToJava.convert(interpreter, CApi.PyTuple_GetItem(item, 3))));
            }
            return threads;
        } finally {
            CApi.Py_DecRef(tuple);
        }
    }

    /**
     * Runs the interpreter's {@code atexit} functions now (they run once: CPython forgets them afterwards), for an
     * end that CPython performs later (a deferred end). Errors are printed by {@code atexit}, as at a normal end.
     */
    public static void runExitFunctions(InterpreterImpl interpreter) {
        MemorySegment result = CApi.PyObject_CallObject(handles(interpreter).runExitFunctions(), MemorySegment.NULL);
        if (result.equals(MemorySegment.NULL)) {
            CApi.PyErr_Clear(); // nothing to report to: the close already succeeded for its caller
        } else {
            CApi.Py_DecRef(result);
        }
    }

    private static String load() {
        try (InputStream in = Support.class.getResourceAsStream("tether_support.py")) {
            if (in == null) {
                throw new IllegalStateException("tether_support.py is missing from the Tether jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
