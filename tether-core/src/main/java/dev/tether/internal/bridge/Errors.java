package dev.tether.internal.bridge;

import static java.lang.foreign.ValueLayout.ADDRESS;

import dev.tether.ConversionException;
import dev.tether.ThreadStateException;
import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.InterpreterImpl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeoutException;

/**
 * Exceptions across the boundary, both ways, leaving no Python error indicator set:
 * <ul>
 *   <li>Python to Java: the pending exception becomes a {@link PythonError} carrying the exception object,
 *       its type name, message and traceback; {@code __cause__} (or {@code __context__}) becomes the Java cause,
 *       and an exception that started as a Java throwable in a Java callable has that throwable as its cause.</li>
 *   <li>Java to Python: a throwable from a Java callable becomes a Python exception named after its class (module =
 *       package), deriving from the nearest builtin (ValueError for IllegalArgumentException...); a
 *       public Python exception whose object is alive re-raises that very object.</li>
 * </ul>
 * Requires an attached thread state.
 */
public final class Errors {
    /** How many chained Python exceptions become Java causes; the rest stay in the traceback text. */
    private static final int MAX_CHAIN = 16;

    /** Java exception classes and the builtin Python exception their Python counterparts derive from. */
    private static final Map<Class<?>, String> BUILTIN_BASES = new java.util.LinkedHashMap<>();

    static {
        BUILTIN_BASES.put(ConversionException.class, "TypeError");
        BUILTIN_BASES.put(IllegalArgumentException.class, "ValueError");
        BUILTIN_BASES.put(NullPointerException.class, "TypeError");
        BUILTIN_BASES.put(ClassCastException.class, "TypeError");
        BUILTIN_BASES.put(IndexOutOfBoundsException.class, "IndexError");
        BUILTIN_BASES.put(NoSuchElementException.class, "LookupError");
        BUILTIN_BASES.put(UnsupportedOperationException.class, "NotImplementedError");
        BUILTIN_BASES.put(ArithmeticException.class, "ArithmeticError");
        BUILTIN_BASES.put(ThreadStateException.class, "RuntimeError");
        BUILTIN_BASES.put(IllegalStateException.class, "RuntimeError");
        BUILTIN_BASES.put(OutOfMemoryError.class, "MemoryError");
        BUILTIN_BASES.put(StackOverflowError.class, "RecursionError");
        BUILTIN_BASES.put(IOException.class, "OSError");
        BUILTIN_BASES.put(UncheckedIOException.class, "OSError");
        BUILTIN_BASES.put(TimeoutException.class, "TimeoutError");
        BUILTIN_BASES.put(InterruptedException.class, "InterruptedError");
    }

    private Errors() {}

    /** The pending exception of {@code interpreter} as the public exception to throw; the indicator is cleared. */
    public static RuntimeException fetch(InterpreterImpl interpreter) {
        return Bridge.publisher().exception(read(interpreter));
    }

    /**
     * The pending exception as a line of text ({@code "TypeError: unhashable type: 'list'"}), for messages of
     * Tether's own exceptions; the indicator is cleared and nothing is kept.
     */
    static String pendingMessage(InterpreterImpl interpreter) {
        PythonError error = read(interpreter);
        for (PythonError e = error; e != null; e = e.cause()) {
            if (e.exception() != null) {
                e.exception().close();
            }
        }
        return error.message().isEmpty() ? error.type() : error.type() + ": " + error.message();
    }

    /** The pending exception of {@code interpreter}, read; the indicator is cleared. */
    static PythonError read(InterpreterImpl interpreter) {
        MemorySegment exc = takeRaised();
        if (exc.equals(MemorySegment.NULL)) {
            return new PythonError("SystemError", "a C-API call failed without setting an exception", "", null,
                    null, null, null, null);
        }
        try {
            return describe(interpreter, exc, 0, new HashSet<>());
        } finally {
            CApi.Py_DecRef(exc);
        }
    }

    /** Sets the Python error for a throwable that reached Python from Java code. Never throws. */
    static void raise(InterpreterImpl interpreter, Throwable t) {
        try {
            Ref ref = Bridge.publisher().exceptionRef(t);
            if (ref != null && ref.interpreter == interpreter && ref.acquire()) {
                try {
                    MemorySegment type = CApi.PyObject_Type(ref.address);
                    CApi.PyErr_SetObject(type, ref.address);
                    CApi.Py_DecRef(type);
                    return;
                } finally {
                    ref.release();
                }
            }
            Support.Handles h = Support.handles(interpreter);
            MemorySegment token = Callables.token(interpreter, t);
            MemorySegment args = CApi.PyTuple_New(4);
            CApi.PyTuple_SetItem(args, 0, ToPython.convert(interpreter, t.getClass().getName()));
            CApi.PyTuple_SetItem(args, 1, ToPython.convert(interpreter, t.getMessage() == null ? "" : t.getMessage()));
            CApi.PyTuple_SetItem(args, 2, ToPython.convert(interpreter, builtinBase(t.getClass())));
            CApi.PyTuple_SetItem(args, 3, token);
            MemorySegment exc = CApi.PyObject_CallObject(h.javaException(), args);
            CApi.Py_DecRef(args);
            if (exc.equals(MemorySegment.NULL)) {
                return; // the helper's own error is set instead
            }
            MemorySegment type = CApi.PyObject_Type(exc);
            CApi.PyErr_SetObject(type, exc);
            CApi.Py_DecRef(type);
            CApi.Py_DecRef(exc);
        } catch (Throwable again) {
            try (Arena arena = Arena.ofConfined()) {
                CApi.PyErr_SetString(CApi.PyExc_RuntimeError, arena.allocateFrom("Java exception " + t));
            } catch (Throwable ignored) {
                // nothing more can be done without risking the JVM
            }
        }
    }

    private static String builtinBase(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            String base = BUILTIN_BASES.get(c);
            if (base != null) {
                return base;
            }
        }
        return "Exception";
    }

    /** The raised exception (new reference) with the indicator cleared, or NULL; on every version. */
    private static MemorySegment takeRaised() {
        if (CApi.hasGetRaisedException()) {
            return CApi.PyErr_GetRaisedException();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment type = arena.allocate(ADDRESS);
            MemorySegment value = arena.allocate(ADDRESS);
            MemorySegment traceback = arena.allocate(ADDRESS);
            CApi.PyErr_Fetch(type, value, traceback);
            if (type.get(ADDRESS, 0).equals(MemorySegment.NULL)) {
                return MemorySegment.NULL;
            }
            CApi.PyErr_NormalizeException(type, value, traceback);
            MemorySegment exc = value.get(ADDRESS, 0);
            MemorySegment tb = traceback.get(ADDRESS, 0);
            if (!tb.equals(MemorySegment.NULL)) {
                if (!exc.equals(MemorySegment.NULL)) {
                    CApi.PyException_SetTraceback(exc, tb);
                }
                CApi.Py_DecRef(tb);
            }
            if (exc.equals(MemorySegment.NULL)) {
                return type.get(ADDRESS, 0); // cannot happen after normalization; keep the type at least
            }
            CApi.Py_DecRef(type.get(ADDRESS, 0));
            return exc;
        }
    }

    private static PythonError describe(InterpreterImpl interpreter, MemorySegment exc, int depth, Set<Long> seen) {
        seen.add(exc.address());
        Support.Handles handles = interpreter == null ? null : Support.handles(interpreter);
        if (handles != null) {
            MemorySegment args = CApi.PyTuple_New(2);
            CApi.Py_IncRef(exc);
            CApi.PyTuple_SetItem(args, 0, exc);
            CApi.PyTuple_SetItem(args, 1, PyTypes.newRef(depth == 0 ? CApi.Py_True : CApi.Py_False));
            MemorySegment info = CApi.PyObject_CallObject(handles.describe(), args);
            CApi.Py_DecRef(args);
            if (!info.equals(MemorySegment.NULL)) {
                try {
                    return fromInfo(interpreter, exc, info, depth, seen);
                } finally {
                    CApi.Py_DecRef(info);
                }
            }
            CApi.PyErr_Clear();
        }
        return describeWithoutHelpers(interpreter, exc);
    }

    private static PythonError fromInfo(InterpreterImpl interpreter, MemorySegment exc, MemorySegment info,
                                        int depth, Set<Long> seen) {
        String name = (String) ToJava.convert(interpreter, CApi.PyTuple_GetItem(info, 0));
        String message = (String) ToJava.convert(interpreter, CApi.PyTuple_GetItem(info, 1));
        String traceback = (String) ToJava.convert(interpreter, CApi.PyTuple_GetItem(info, 2));
        Object status = ToJava.convert(interpreter, CApi.PyTuple_GetItem(info, 3));
        MemorySegment token = CApi.PyTuple_GetItem(info, 4);
        MemorySegment next = CApi.PyTuple_GetItem(info, 5);
        Throwable javaCause = token.equals(CApi.Py_None) ? null : Callables.throwable(token);
        PythonError cause = null;
        if (javaCause == null && !next.equals(CApi.Py_None) && depth < MAX_CHAIN && !seen.contains(next.address())) {
            cause = describe(interpreter, next, depth + 1, seen);
        }
        return new PythonError(name, message, traceback, exitStatus(status), javaCause, cause,
                new Ref(interpreter, PyTypes.newRef(exc)), hint(interpreter, name, message, cause));
    }

    /** Tether's hint for this error, else its cause's (numpy wraps the ImportError it explains). */
    private static String hint(InterpreterImpl interpreter, String name, String message, PythonError cause) {
        String hint = Failures.pythonHint(interpreter, name, message);
        return hint == null && cause != null ? cause.hint() : hint;
    }

    /**
     * The status a {@code SystemExit} code means, as CPython computes it when it exits: an int truncated to C
     * {@code int} ({@code (int) PyLong_AsLongLong}), and -1 beyond 64 bits.
     */
    private static Integer exitStatus(Object status) {
        return switch (status) {
            case Long l -> (int) l.longValue();
            case BigInteger big -> -1;
            case null, default -> null;
        };
    }

    /**
     * Before the helpers exist (or if they fail, as they do when the stack is used up): type name and str() only,
     * and the exception itself, so that a callback re-raising it raises the same object.
     */
    private static PythonError describeWithoutHelpers(InterpreterImpl interpreter, MemorySegment exc) {
        MemorySegment type = CApi.PyObject_Type(exc);
        String name = PyTypes.typeObjectName(type);
        CApi.Py_DecRef(type);
        String message = "";
        MemorySegment text = CApi.PyObject_Str(exc);
        if (!text.equals(MemorySegment.NULL)) {
            String s = Texts.fromPython(text);
            message = s == null ? "" : s;
            CApi.Py_DecRef(text);
        }
        CApi.PyErr_Clear();
        return new PythonError(name, message, name + ": " + message + "\n", null, null, null,
                interpreter == null ? null : new Ref(interpreter, PyTypes.newRef(exc)), null);
    }
}
