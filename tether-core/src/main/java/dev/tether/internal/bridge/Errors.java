package dev.tether.internal.bridge;

import static java.lang.foreign.ValueLayout.ADDRESS;

import dev.tether.PythonException;
import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Turns the pending Python exception into a {@link PythonException} and clears the indicator, so no error is ever
 * left set when Tether returns. Requires an attached thread state.
 */
public final class Errors {
    private Errors() {}

    /** The pending exception of {@code interpreter} as a Java exception; the indicator is cleared. */
    public static PythonException fetch(InterpreterImpl interpreter) {
        MemorySegment exc = takeRaised();
        if (exc.equals(MemorySegment.NULL)) {
            return new PythonException("SystemError", "a C-API call failed without setting an exception", "", null,
                    null);
        }
        try {
            return describe(interpreter, exc);
        } finally {
            CApi.Py_DecRef(exc);
        }
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

    private static PythonException describe(InterpreterImpl interpreter, MemorySegment exc) {
        Support.Handles handles = interpreter == null ? null : Support.handles(interpreter);
        if (handles != null) {
            MemorySegment args = CApi.PyTuple_New(1);
            CApi.Py_IncRef(exc);
            CApi.PyTuple_SetItem(args, 0, exc);
            MemorySegment info = CApi.PyObject_CallObject(handles.describe(), args);
            CApi.Py_DecRef(args);
            if (!info.equals(MemorySegment.NULL)) {
                try {
                    Object status = Values.toJava(interpreter, CApi.PyTuple_GetItem(info, 3));
                    return new PythonException(
                            (String) Values.toJava(interpreter, CApi.PyTuple_GetItem(info, 0)),
                            (String) Values.toJava(interpreter, CApi.PyTuple_GetItem(info, 1)),
                            (String) Values.toJava(interpreter, CApi.PyTuple_GetItem(info, 2)),
                            status == null ? null : (int) (long) (Long) status, null);
                } finally {
                    CApi.Py_DecRef(info);
                }
            }
            CApi.PyErr_Clear();
        }
        return describeWithoutHelpers(exc);
    }

    /** Before the helpers exist (or if they fail): type name and str() only. */
    private static PythonException describeWithoutHelpers(MemorySegment exc) {
        MemorySegment type = CApi.PyObject_Type(exc);
        String name = Values.typeName(type);
        CApi.Py_DecRef(type);
        String message = "";
        MemorySegment text = CApi.PyObject_Str(exc);
        if (!text.equals(MemorySegment.NULL)) {
            String s = Texts.fromPython(text);
            message = s == null ? "" : s;
            CApi.Py_DecRef(text);
        }
        CApi.PyErr_Clear();
        return new PythonException(name, message, name + ": " + message + "\n", null, null);
    }
}
