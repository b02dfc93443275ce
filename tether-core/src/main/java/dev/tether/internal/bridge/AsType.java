package dev.tether.internal.bridge;

import dev.tether.internal.bridge.PyTypes.Kind;
import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Python objects to a Java type the caller names ({@code PyObject.as(Class)}), strictly: an int too large for the
 * type, a float for an int type, or a value of another kind fails with a {@code ConversionException}, never
 * converting silently. Numbers go through Python's number protocols, so numpy's scalars convert as Python's own do:
 * integer types through {@code __index__}, floating-point types through {@code __float__}. Requires a thread state
 * of the interpreter attached.
 */
final class AsType {
    private AsType() {}

    /** The Java value of {@code o} (borrowed) as {@code type}. */
    @SuppressWarnings("unchecked")
    static <T> T convert(InterpreterImpl interpreter, MemorySegment o, Class<T> type) {
        Class<?> boxed = type.isPrimitive() ? java.lang.invoke.MethodType.methodType(type).wrap().returnType() : type;
        Object value = switch (boxed.getName()) {
            case "java.lang.Object" -> ToJava.convert(interpreter, o);
            case "java.lang.Long" -> exactLong(interpreter, o, Long.MIN_VALUE, Long.MAX_VALUE, "long");
            case "java.lang.Integer" -> (int) exactLong(interpreter, o, Integer.MIN_VALUE, Integer.MAX_VALUE, "int");
            case "java.lang.Short" -> (short) exactLong(interpreter, o, Short.MIN_VALUE, Short.MAX_VALUE, "short");
            case "java.lang.Byte" -> (byte) exactLong(interpreter, o, Byte.MIN_VALUE, Byte.MAX_VALUE, "byte");
            case "java.math.BigInteger" -> bigInteger(interpreter, o);
            case "java.lang.Double" -> floating(interpreter, o);
            case "java.lang.Float" -> narrowFloat(interpreter, o);
            case "java.lang.Boolean" -> bool(interpreter, o);
            case "java.lang.String" -> text(interpreter, o);
            case "java.lang.Character" -> character(interpreter, o);
            case "[B" -> bytesLike(interpreter, o);
            case "java.util.List", "java.util.Collection", "java.lang.Iterable" -> elements(interpreter, o);
            case "[Ljava.lang.Object;" -> elements(interpreter, o).toArray();
            case "java.util.Set" -> new LinkedHashSet<>(elements(interpreter, o));
            case "java.util.Map" -> mapping(interpreter, o);
            default -> {
                if (Bridge.publisher().isObjectType(boxed)) {
                    yield ToJava.object(interpreter, o);
                }
                Object target = ObjectSpace.unwrap(interpreter, o); // a proxy, view or Java buffer
                if (boxed.isInstance(target)) {
                    yield target;
                }
                throw Failures.noJavaConversion(PyTypes.typeName(o), type);
            }
        };
        return (T) value;
    }

    private static long exactLong(InterpreterImpl interpreter, MemorySegment o, long min, long max, String name) {
        BigInteger value = bigInteger(interpreter, o, name);
        if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
            throw Failures.intOutOfRange(value, name);
        }
        return value.longValue();
    }

    private static BigInteger bigInteger(InterpreterImpl interpreter, MemorySegment o) {
        return bigInteger(interpreter, o, "BigInteger");
    }

    /**
     * A Python int, or any object with {@code __index__} (numpy's integer scalars, 0-d integer arrays) through
     * {@code operator.index}, as Python uses it for indices: exact, never from a float. A bool (Python's or numpy's)
     * is refused, as {@code as(Boolean.class)} is its conversion.
     */
    private static BigInteger bigInteger(InterpreterImpl interpreter, MemorySegment o, String javaType) {
        if (PyTypes.isIntNotBool(o)) {
            return toBig(ToJava.integer(interpreter, o));
        }
        if (PyTypes.kindOf(o) == Kind.BOOL) {
            throw Failures.expectedKind("a Python int", PyTypes.typeName(o));
        }
        if (Scalars.isBoolean(interpreter, o)) {
            throw Failures.boolNotNumber(PyTypes.typeName(o), javaType);
        }
        MemorySegment index = CApi.PyNumber_Index(o);
        if (index.equals(MemorySegment.NULL)) {
            if (CApi.PyErr_ExceptionMatches(CApi.PyExc_TypeError) == 0) {
                throw Errors.fetch(interpreter);
            }
            CApi.PyErr_Clear();
            throw Failures.expectedKind("a Python int (or an object with __index__)", PyTypes.typeName(o));
        }
        try {
            return toBig(ToJava.integer(interpreter, index));
        } finally {
            CApi.Py_DecRef(index);
        }
    }

    private static BigInteger toBig(Object integer) {
        return integer instanceof Long l ? BigInteger.valueOf(l) : (BigInteger) integer;
    }

    /**
     * A Python float or int, or any object with {@code __float__} or {@code __index__} (numpy's scalars, 0-d arrays,
     * {@code Decimal}), as {@code float(o)} converts it; a bool (Python's or numpy's) is refused.
     */
    private static double floating(InterpreterImpl interpreter, MemorySegment o) {
        Kind kind = PyTypes.kindOf(o);
        if (kind == Kind.BOOL || (kind == Kind.OTHER && Scalars.isBoolean(interpreter, o))) {
            throw Failures.expectedKind("a Python float or int", PyTypes.typeName(o));
        }
        if (kind == Kind.STR || kind == Kind.BYTES || kind == Kind.BYTEARRAY) {
            throw Failures.expectedKind("a Python float or int", PyTypes.typeName(o));
        }
        double d = CApi.PyFloat_AsDouble(o);
        if (d == -1.0 && !CApi.PyErr_Occurred().equals(MemorySegment.NULL)) {
            if (CApi.PyErr_ExceptionMatches(CApi.PyExc_OverflowError) != 0) {
                CApi.PyErr_Clear();
                throw Failures.intTooLargeForDouble();
            }
            if (CApi.PyErr_ExceptionMatches(CApi.PyExc_TypeError) != 0) {
                CApi.PyErr_Clear();
                throw Failures.expectedKind("a Python float or int (or an object with __float__)",
                        PyTypes.typeName(o));
            }
            throw Errors.fetch(interpreter);
        }
        return d;
    }

    private static float narrowFloat(InterpreterImpl interpreter, MemorySegment o) {
        double d = floating(interpreter, o);
        if (Double.isFinite(d) && Math.abs(d) > Float.MAX_VALUE) {
            throw Failures.floatOutOfRange(d);
        }
        return (float) d;
    }

    /** A Python bool, or a 0-d boolean buffer (numpy's {@code bool_}). */
    private static boolean bool(InterpreterImpl interpreter, MemorySegment o) {
        Kind kind = PyTypes.kindOf(o);
        if (kind == Kind.BOOL) {
            return o.equals(CApi.Py_True);
        }
        if (kind == Kind.OTHER && Scalars.value(interpreter, o) instanceof Boolean b) {
            return b;
        }
        throw Failures.expectedKind("a Python bool", PyTypes.typeName(o));
    }

    private static String text(InterpreterImpl interpreter, MemorySegment o) {
        if (!PyTypes.isInstance(o, CApi.PyUnicode_Type)) {
            throw Failures.expectedKind("a Python str", PyTypes.typeName(o));
        }
        return ToJava.string(interpreter, o);
    }

    private static char character(InterpreterImpl interpreter, MemorySegment o) {
        String s = text(interpreter, o);
        if (s.length() != 1) {
            throw Failures.notOneChar(s.length());
        }
        return s.charAt(0);
    }

    private static byte[] bytesLike(InterpreterImpl interpreter, MemorySegment o) {
        if (PyTypes.isInstance(o, CApi.PyUnicode_Type)) {
            throw Failures.strNotBytes();
        }
        try {
            return ToJava.byteArray(interpreter, o);
        } catch (RuntimeException e) {
            throw Failures.expectedKind("a bytes-like object", PyTypes.typeName(o), e);
        }
    }

    /** The items of any iterable (a generator too), each converted as {@code toJava()} does. */
    private static List<Object> elements(InterpreterImpl interpreter, MemorySegment o) {
        if (PyTypes.isInstance(o, CApi.PyUnicode_Type) || PyTypes.isInstance(o, CApi.PyBytes_Type)) {
            throw Failures.textNotSequence(PyTypes.typeName(o));
        }
        MemorySegment iterator = CApi.PyObject_GetIter(o);
        if (iterator.equals(MemorySegment.NULL)) {
            throw Failures.expectedKind("an iterable", PyTypes.typeName(o), Errors.fetch(interpreter));
        }
        List<Object> result = new ArrayList<>();
        try {
            MemorySegment item;
            while (!(item = CApi.PyIter_Next(iterator)).equals(MemorySegment.NULL)) {
                try {
                    result.add(ToJava.convert(interpreter, item));
                } finally {
                    CApi.Py_DecRef(item);
                }
            }
            if (!CApi.PyErr_Occurred().equals(MemorySegment.NULL)) {
                throw Errors.fetch(interpreter);
            }
            return result;
        } finally {
            CApi.Py_DecRef(iterator);
        }
    }

    private static Map<?, ?> mapping(InterpreterImpl interpreter, MemorySegment o) {
        if (PyTypes.kindOf(o) != Kind.DICT) {
            if (!PyTypes.isInstance(o, CApi.PyDict_Type)) {
                throw Failures.expectedKind("a Python dict", PyTypes.typeName(o));
            }
        }
        return (Map<?, ?>) PyContainers.convert(interpreter, o, Kind.DICT);
    }
}
