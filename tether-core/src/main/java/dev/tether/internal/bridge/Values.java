package dev.tether.internal.bridge;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;

/** Conversions of Python values to Java. Requires an attached thread state of the value's interpreter. */
final class Values {
    private Values() {}

    /** Marks a Python value that has no Java conversion here. */
    record Unconvertible(String typeName) {}

    /**
     * None, bool, int, float and str (and their subclasses) as null, Boolean, Long (BigInteger beyond 64 bits),
     * Double and String; anything else as {@link Unconvertible}. Throws on a Python error (the indicator is
     * cleared).
     */
    static Object toJava(InterpreterImpl interpreter, MemorySegment o) {
        if (o.equals(CApi.Py_None)) {
            return null;
        }
        if (o.equals(CApi.Py_True)) {
            return Boolean.TRUE;
        }
        if (o.equals(CApi.Py_False)) {
            return Boolean.FALSE;
        }
        MemorySegment type = CApi.PyObject_Type(o);
        try {
            if (is(type, CApi.PyLong_Type)) {
                return integer(interpreter, o);
            }
            if (is(type, CApi.PyFloat_Type)) {
                double d = CApi.PyFloat_AsDouble(o);
                if (d == -1.0 && !CApi.PyErr_Occurred().equals(MemorySegment.NULL)) {
                    throw Errors.fetch(interpreter);
                }
                return d;
            }
            if (is(type, CApi.PyUnicode_Type)) {
                String s = Texts.fromPython(o);
                if (s == null) {
                    throw Errors.fetch(interpreter);
                }
                return s;
            }
            return new Unconvertible(typeName(type));
        } finally {
            CApi.Py_DecRef(type);
        }
    }

    private static Object integer(InterpreterImpl interpreter, MemorySegment o) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment overflow = arena.allocate(JAVA_INT);
            long value = CApi.PyLong_AsLongLongAndOverflow(o, overflow);
            if (overflow.get(JAVA_INT, 0) == 0) {
                if (value == -1 && !CApi.PyErr_Occurred().equals(MemorySegment.NULL)) {
                    throw Errors.fetch(interpreter);
                }
                return value;
            }
        }
        MemorySegment text = CApi.PyObject_Str(o);
        if (text.equals(MemorySegment.NULL)) {
            throw Errors.fetch(interpreter);
        }
        try {
            return new BigInteger(Texts.fromPython(text));
        } finally {
            CApi.Py_DecRef(text);
        }
    }

    private static boolean is(MemorySegment type, MemorySegment base) {
        return type.equals(base) || CApi.PyType_IsSubtype(type, base) != 0;
    }

    /** {@code type.__qualname__} of a type object, best effort. */
    static String typeName(MemorySegment type) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = CApi.PyObject_GetAttrString(type, arena.allocateFrom("__qualname__"));
            if (name.equals(MemorySegment.NULL)) {
                CApi.PyErr_Clear();
                return "?";
            }
            try {
                String s = Texts.fromPython(name);
                if (s == null) {
                    CApi.PyErr_Clear();
                    return "?";
                }
                return s;
            } finally {
                CApi.Py_DecRef(name);
            }
        }
    }
}
