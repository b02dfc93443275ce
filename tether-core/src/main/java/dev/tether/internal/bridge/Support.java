package dev.tether.internal.bridge;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.capi.ObjectHeader;
import dev.tether.internal.protocol.InterpreterImpl;
import dev.tether.internal.protocol.Slot;
import java.io.IOException;
import java.io.InputStream;
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
                   MemorySegment javaException, MemorySegment runExitFunctions) {}

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

    /** Compiles and runs the helpers in {@code interpreter}; they live until {@link #uninstall}. */
    public static void install(InterpreterImpl interpreter) {
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
                    CApi.PyObject_GetAttrString(module, arena.allocateFrom("run_exit_functions"))));
        }
    }

    /** Drops the helpers' references before CPython tears the interpreter down. */
    public static void uninstall(InterpreterImpl interpreter) {
        Handles h = interpreter.take(HANDLES);
        if (h != null) {
            CApi.Py_DecRef(h.describe());
            CApi.Py_DecRef(h.pythonThreads());
            CApi.Py_DecRef(h.javaException());
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
