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
 * converting silently. Requires a thread state of the interpreter attached.
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
            case "java.lang.Double" -> floating(o);
            case "java.lang.Float" -> narrowFloat(o);
            case "java.lang.Boolean" -> bool(o);
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
        BigInteger value = bigInteger(interpreter, o);
        if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
            throw Failures.intOutOfRange(value, name);
        }
        return value.longValue();
    }

    private static BigInteger bigInteger(InterpreterImpl interpreter, MemorySegment o) {
        if (!PyTypes.isIntNotBool(o)) {
            throw Failures.expectedKind("a Python int", PyTypes.typeName(o));
        }
        Object value = ToJava.integer(interpreter, o);
        return value instanceof Long l ? BigInteger.valueOf(l) : (BigInteger) value;
    }

    private static double floating(MemorySegment o) {
        if (!PyTypes.isInstance(o, CApi.PyFloat_Type) && !PyTypes.isIntNotBool(o)) {
            throw Failures.expectedKind("a Python float or int", PyTypes.typeName(o));
        }
        double d = CApi.PyFloat_AsDouble(o);
        if (d == -1.0 && !CApi.PyErr_Occurred().equals(MemorySegment.NULL)) {
            CApi.PyErr_Clear();
            throw Failures.intTooLargeForDouble();
        }
        return d;
    }

    private static float narrowFloat(MemorySegment o) {
        double d = floating(o);
        if (Double.isFinite(d) && Math.abs(d) > Float.MAX_VALUE) {
            throw Failures.floatOutOfRange(d);
        }
        return (float) d;
    }

    private static boolean bool(MemorySegment o) {
        if (PyTypes.kindOf(o) != Kind.BOOL) {
            throw Failures.expectedKind("a Python bool", PyTypes.typeName(o));
        }
        return o.equals(CApi.Py_True);
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
