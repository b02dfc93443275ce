package dev.tether.internal.bridge;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.tether.internal.bridge.PyTypes.Kind;
import dev.tether.internal.capi.CApi;
import dev.tether.internal.capi.Layouts;
import dev.tether.internal.capi.ObjectHeader;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;

/**
 * Python objects to Java values: the Python-to-Java half of the conversion table ({@code docs/guide.md}, section
 * "Conversions"). None, bool, int, float, str, bytes and bytearray (exact types) become null, Boolean, Long
 * (BigInteger beyond 64 bits), Double, String and byte[]; list, tuple, dict, set and frozenset become ArrayList,
 * Object[], LinkedHashMap and LinkedHashSet, at any depth ({@link PyContainers}); a proxy, view or Java buffer its
 * Java object; an object exporting a 0-dimensional numeric buffer (a numpy scalar or 0-d array) its Boolean, Long or
 * Double ({@link Scalars}); anything else a new public object. Requires a thread state of the interpreter attached.
 */
final class ToJava {
    private ToJava() {}

    /** The Java value of {@code o} (a borrowed reference). */
    static Object convert(InterpreterImpl interpreter, MemorySegment o) {
        Kind kind = PyTypes.kindOf(o);
        return switch (kind) {
            case LIST, TUPLE, DICT, SET, FROZENSET -> PyContainers.convert(interpreter, o, kind);
            default -> leaf(interpreter, o, kind);
        };
    }

    /** The Java value of {@code o}, which is not a container. */
    static Object leaf(InterpreterImpl interpreter, MemorySegment o, Kind kind) {
        return switch (kind) {
            case NONE -> null;
            case BOOL -> o.equals(CApi.Py_True);
            case INT -> integer(interpreter, o);
            case FLOAT -> CApi.PyFloat_AsDouble(o);
            case STR -> string(interpreter, o);
            case BYTES, BYTEARRAY -> byteArray(interpreter, o);
            default -> javaScalarOrObject(interpreter, o);
        };
    }

    /**
     * The Java object behind a proxy, view or Java buffer; a numpy scalar or 0-d array (see {@link Scalars}) as its
     * Java number or Boolean; a new public object for anything else.
     */
    static Object javaScalarOrObject(InterpreterImpl interpreter, MemorySegment o) {
        Object target = ObjectSpace.unwrap(interpreter, o);
        if (target != null) {
            return target;
        }
        Object scalar = Scalars.value(interpreter, o);
        return scalar != null ? scalar : object(interpreter, o);
    }

    /** A new public object for {@code o} (a borrowed reference). */
    static Object object(InterpreterImpl interpreter, MemorySegment o) {
        return Bridge.publisher().object(new Ref(interpreter, PyTypes.newRef(o)));
    }

    /** An {@code int} (or subclass) as a Long, or a BigInteger beyond 64 bits. */
    static Object integer(InterpreterImpl interpreter, MemorySegment o) {
        MemorySegment overflow = Scratch.block(); // PyLong_AsLongLongAndOverflow runs no Python code
        long value = CApi.PyLong_AsLongLongAndOverflow(o, overflow);
        if (overflow.get(JAVA_INT, 0) == 0) {
            if (value == -1 && !CApi.PyErr_Occurred().equals(MemorySegment.NULL)) {
                throw Errors.fetch(interpreter);
            }
            return value;
        }
        MemorySegment text = CApi.PyObject_Str(o);
        if (text.equals(MemorySegment.NULL)) {
            throw Errors.fetch(interpreter);
        }
        try {
            return new BigInteger(string(interpreter, text));
        } finally {
            CApi.Py_DecRef(text);
        }
    }

    /** A {@code str} (or subclass) as a String, exactly (see {@link Texts}). */
    static String string(InterpreterImpl interpreter, MemorySegment o) {
        String s = Texts.fromPython(o);
        if (s == null) {
            throw Errors.fetch(interpreter);
        }
        return s;
    }

    /** A copy of the bytes of a bytes-like object (the buffer protocol). */
    static byte[] byteArray(InterpreterImpl interpreter, MemorySegment o) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment view = arena.allocate(Layouts.PY_BUFFER);
            if (CApi.PyObject_GetBuffer(o, view, 0) < 0) {
                throw Errors.fetch(interpreter);
            }
            try {
                return ObjectHeader.bufferBytes(view);
            } finally {
                CApi.PyBuffer_Release(view);
            }
        }
    }
}
