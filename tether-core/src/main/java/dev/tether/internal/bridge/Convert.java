package dev.tether.internal.bridge;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.tether.ConversionException;
import dev.tether.PythonCallable;
import dev.tether.internal.capi.CApi;
import dev.tether.internal.capi.Layouts;
import dev.tether.internal.capi.ObjectHeader;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Array;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The conversion table, both ways (documented in {@code docs/conversions.md}). Requires a thread state of the
 * interpreter attached. Containers are converted deeply; a container that contains itself (a cycle) converts to a
 * container that contains itself, both ways. Failures throw {@link ConversionException} and leave no Python error
 * set.
 */
public final class Convert {
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private Convert() {}

    // ==== Java -> Python ========================================================================================

    /** A new reference to the Python value of {@code value}. */
    public static MemorySegment toPython(InterpreterImpl interpreter, Object value) {
        return toPython(interpreter, value, null);
    }

    private static MemorySegment toPython(InterpreterImpl interpreter, Object value,
                                          IdentityHashMap<Object, MemorySegment> seen) {
        switch (value) {
            case null -> {
                return newRef(CApi.Py_None);
            }
            case Boolean b -> {
                return newRef(b ? CApi.Py_True : CApi.Py_False);
            }
            case Long l -> {
                return check(CApi.PyLong_FromLongLong(l));
            }
            case Integer i -> {
                return check(CApi.PyLong_FromLongLong(i));
            }
            case Short s -> {
                return check(CApi.PyLong_FromLongLong(s));
            }
            case Byte b -> {
                return check(CApi.PyLong_FromLongLong(b));
            }
            case BigInteger big -> {
                return bigInteger(big);
            }
            case Double d -> {
                return check(CApi.PyFloat_FromDouble(d));
            }
            case Float f -> {
                return check(CApi.PyFloat_FromDouble(f));
            }
            case String s -> {
                return check(Texts.toPython(s));
            }
            case Character c -> {
                return check(Texts.toPython(String.valueOf(c)));
            }
            case byte[] bytes -> {
                return bytes(bytes);
            }
            default -> {
                return composite(interpreter, value, seen);
            }
        }
    }

    private static MemorySegment composite(InterpreterImpl interpreter, Object value,
                                           IdentityHashMap<Object, MemorySegment> seen) {
        Api.Views views = Api.views();
        if (views.isObject(value)) {
            return passThrough(interpreter, views.ref(value));
        }
        if (value instanceof PythonCallable callable) {
            return Callables.create(interpreter, callable, callable.toString());
        }
        if (value instanceof List<?> || value instanceof Map<?, ?> || value instanceof Set<?>
                || value instanceof Collection<?> || value.getClass().isArray()) {
            if (seen == null) {
                seen = new IdentityHashMap<>();
            }
            MemorySegment done = seen.get(value);
            if (done != null) {
                return newRef(done);
            }
            return container(interpreter, value, seen);
        }
        PythonCallable adapted = Adapters.adapt(value);
        if (adapted != null) {
            return Callables.create(interpreter, adapted, value.getClass().getName());
        }
        throw new ConversionException("No Python conversion for Java type " + value.getClass().getName()
                + ": pass null, a Boolean, number, String, byte[], array, List, Set, Map, PyObject,"
                + " PythonCallable or functional interface");
    }

    private static MemorySegment container(InterpreterImpl interpreter, Object value,
                                           IdentityHashMap<Object, MemorySegment> seen) {
        if (value instanceof Map<?, ?> map) {
            MemorySegment dict = check(CApi.PyDict_New());
            seen.put(value, dict);
            try {
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    MemorySegment k = toPython(interpreter, e.getKey(), seen);
                    MemorySegment v;
                    try {
                        v = toPython(interpreter, e.getValue(), seen);
                    } catch (RuntimeException ex) {
                        CApi.Py_DecRef(k);
                        throw ex;
                    }
                    int rc = CApi.PyDict_SetItem(dict, k, v);
                    CApi.Py_DecRef(k);
                    CApi.Py_DecRef(v);
                    if (rc < 0) {
                        throw unhashable(interpreter, e.getKey(), "dict key");
                    }
                }
                return dict;
            } catch (RuntimeException e) {
                CApi.Py_DecRef(dict);
                throw e;
            } finally {
                seen.remove(value);
            }
        }
        if (value instanceof Set<?> set) {
            MemorySegment pySet = check(CApi.PySet_New(MemorySegment.NULL));
            seen.put(value, pySet);
            try {
                for (Object element : set) {
                    MemorySegment item = toPython(interpreter, element, seen);
                    int rc = CApi.PySet_Add(pySet, item);
                    CApi.Py_DecRef(item);
                    if (rc < 0) {
                        throw unhashable(interpreter, element, "set element");
                    }
                }
                return pySet;
            } catch (RuntimeException e) {
                CApi.Py_DecRef(pySet);
                throw e;
            } finally {
                seen.remove(value);
            }
        }
        boolean array = value.getClass().isArray();
        int size = array ? Array.getLength(value) : ((Collection<?>) value).size();
        MemorySegment result = check(array ? CApi.PyTuple_New(size) : CApi.PyList_New(size));
        seen.put(value, result);
        try {
            int i = 0;
            for (Object element : array ? new ArrayIterable(value) : (Collection<?>) value) {
                if (i >= size) {
                    throw new ConversionException("The collection grew while it was converted");
                }
                MemorySegment item = toPython(interpreter, element, seen);
                if (array) {
                    CApi.PyTuple_SetItem(result, i++, item);
                } else {
                    CApi.PyList_SetItem(result, i++, item);
                }
            }
            if (i != size) {
                throw new ConversionException("The collection shrank while it was converted");
            }
            return result;
        } catch (RuntimeException e) {
            CApi.Py_DecRef(result);
            throw e;
        } finally {
            seen.remove(value);
        }
    }

    private static MemorySegment passThrough(InterpreterImpl interpreter, Ref ref) {
        if (ref.interpreter != interpreter) {
            throw Bridge.wrongInterpreter(ref.interpreter, interpreter);
        }
        if (!ref.acquire()) {
            throw Bridge.closedObject(ref);
        }
        try {
            return newRef(ref.address);
        } finally {
            ref.release();
        }
    }

    private static MemorySegment bigInteger(BigInteger big) {
        if (big.bitLength() < 64) {
            return check(CApi.PyLong_FromLongLong(big.longValue()));
        }
        try (Arena arena = Arena.ofConfined()) {
            return check(CApi.PyLong_FromString(arena.allocateFrom(big.toString(16)), MemorySegment.NULL, 16));
        }
    }

    private static MemorySegment bytes(byte[] bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = bytes.length == 0 ? MemorySegment.NULL : arena.allocateFrom(JAVA_BYTE, bytes);
            return check(CApi.PyBytes_FromStringAndSize(data, bytes.length));
        }
    }

    // ==== Python -> Java ========================================================================================

    /**
     * The Java value of a Python object: None, bool, int, float, str, bytes, bytearray, list, tuple, dict, set and
     * frozenset (exact types) become null, Boolean, Long (BigInteger beyond 64 bits), Double, String, byte[],
     * byte[], ArrayList, Object[], LinkedHashMap and LinkedHashSet; anything else a new PyObject.
     *
     * @param object a borrowed reference
     */
    public static Object toJava(InterpreterImpl interpreter, MemorySegment object) {
        return toJava(interpreter, object, null);
    }

    private static Object toJava(InterpreterImpl interpreter, MemorySegment o, Map<Long, Object> seen) {
        if (o.equals(CApi.Py_None)) {
            return null;
        }
        long type = ObjectHeader.typeOf(o);
        if (type == CApi.PyBool_Type.address()) {
            return o.equals(CApi.Py_True);
        }
        if (type == CApi.PyLong_Type.address()) {
            return integer(interpreter, o);
        }
        if (type == CApi.PyFloat_Type.address()) {
            return CApi.PyFloat_AsDouble(o);
        }
        if (type == CApi.PyUnicode_Type.address()) {
            return string(interpreter, o);
        }
        if (type == CApi.PyBytes_Type.address() || type == CApi.PyByteArray_Type.address()) {
            return byteArray(interpreter, o);
        }
        if (type == CApi.PyList_Type.address() || type == CApi.PyTuple_Type.address()
                || type == CApi.PyDict_Type.address() || type == CApi.PySet_Type.address()
                || type == CApi.PyFrozenSet_Type.address()) {
            if (seen == null) {
                seen = new java.util.HashMap<>();
            }
            Object done = seen.get(o.address());
            return done != null ? done : containerToJava(interpreter, o, type, seen);
        }
        CApi.Py_IncRef(o);
        return Bridge.wrap(interpreter, o);
    }

    private static Object containerToJava(InterpreterImpl interpreter, MemorySegment o, long type,
                                          Map<Long, Object> seen) {
        if (type == CApi.PyList_Type.address()) {
            long n = CApi.PyList_Size(o);
            List<Object> list = new ArrayList<>((int) n);
            seen.put(o.address(), list);
            for (long i = 0; i < CApi.PyList_Size(o); i++) {
                list.add(toJava(interpreter, CApi.PyList_GetItem(o, i), seen));
            }
            return list;
        }
        if (type == CApi.PyTuple_Type.address()) {
            long n = CApi.PyTuple_Size(o);
            Object[] array = new Object[(int) n];
            seen.put(o.address(), array);
            for (int i = 0; i < n; i++) {
                array[i] = toJava(interpreter, CApi.PyTuple_GetItem(o, i), seen);
            }
            return array;
        }
        if (type == CApi.PyDict_Type.address()) {
            Map<Object, Object> map = new LinkedHashMap<>();
            seen.put(o.address(), map);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment pos = arena.allocate(JAVA_LONG);
                MemorySegment key = arena.allocate(ADDRESS);
                MemorySegment value = arena.allocate(ADDRESS);
                while (CApi.PyDict_Next(o, pos, key, value) != 0) {
                    map.put(key(interpreter, key.get(ADDRESS, 0), seen),
                            toJava(interpreter, value.get(ADDRESS, 0), seen));
                }
            }
            return map;
        }
        Set<Object> set = new LinkedHashSet<>();
        seen.put(o.address(), set);
        for (MemorySegment item : iterate(interpreter, o)) {
            try {
                set.add(key(interpreter, item, seen));
            } finally {
                CApi.Py_DecRef(item);
            }
        }
        return set;
    }

    /** Keys must behave as Java keys: a tuple (a Java array, compared by identity) becomes a List. */
    private static Object key(InterpreterImpl interpreter, MemorySegment o, Map<Long, Object> seen) {
        Object key = toJava(interpreter, o, seen);
        return key instanceof Object[] array ? List.of(array) : key;
    }

    /** All items of an iterable, as new references. */
    static List<MemorySegment> iterate(InterpreterImpl interpreter, MemorySegment iterable) {
        MemorySegment iterator = CApi.PyObject_GetIter(iterable);
        if (iterator.equals(MemorySegment.NULL)) {
            throw Errors.fetch(interpreter);
        }
        List<MemorySegment> items = new ArrayList<>();
        try {
            MemorySegment item;
            while (!(item = CApi.PyIter_Next(iterator)).equals(MemorySegment.NULL)) {
                items.add(item);
            }
            if (!CApi.PyErr_Occurred().equals(MemorySegment.NULL)) {
                items.forEach(CApi::Py_DecRef);
                throw Errors.fetch(interpreter);
            }
            return items;
        } finally {
            CApi.Py_DecRef(iterator);
        }
    }

    private static Object integer(InterpreterImpl interpreter, MemorySegment o) {
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

    private static String string(InterpreterImpl interpreter, MemorySegment o) {
        String s = Texts.fromPython(o);
        if (s == null) {
            throw Errors.fetch(interpreter);
        }
        return s;
    }

    private static byte[] byteArray(InterpreterImpl interpreter, MemorySegment o) {
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

    // ==== Python -> Java, to a requested type ===================================================================

    /**
     * The Java value of {@code o} as {@code type}, strictly: an int too large for the type, a float for an int
     * type, or a value of another kind fails, never converting silently.
     */
    @SuppressWarnings("unchecked")
    public static <T> T as(InterpreterImpl interpreter, MemorySegment o, Class<T> type) {
        Class<?> boxed = type.isPrimitive() ? MethodTypes.box(type) : type;
        Object value = switch (boxed.getName()) {
            case "java.lang.Object" -> toJava(interpreter, o);
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
                if (boxed.getName().equals("dev.tether.PyObject")) {
                    CApi.Py_IncRef(o);
                    yield Bridge.wrap(interpreter, o);
                }
                throw new ConversionException("No conversion of Python " + typeName(o) + " to " + type.getName());
            }
        };
        return (T) value;
    }

    private static long exactLong(InterpreterImpl interpreter, MemorySegment o, long min, long max, String name) {
        BigInteger value = bigInteger(interpreter, o);
        if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new ConversionException("The Python int " + value + " does not fit in a Java " + name);
        }
        return value.longValue();
    }

    private static BigInteger bigInteger(InterpreterImpl interpreter, MemorySegment o) {
        if (!isInstance(o, CApi.PyLong_Type) || ObjectHeader.typeOf(o) == CApi.PyBool_Type.address()) {
            throw new ConversionException("Expected a Python int, got " + typeName(o));
        }
        Object value = integer(interpreter, o);
        return value instanceof Long l ? BigInteger.valueOf(l) : (BigInteger) value;
    }

    private static double floating(InterpreterImpl interpreter, MemorySegment o) {
        if (!isInstance(o, CApi.PyFloat_Type) && (!isInstance(o, CApi.PyLong_Type)
                || ObjectHeader.typeOf(o) == CApi.PyBool_Type.address())) {
            throw new ConversionException("Expected a Python float or int, got " + typeName(o));
        }
        double d = CApi.PyFloat_AsDouble(o);
        if (d == -1.0 && !CApi.PyErr_Occurred().equals(MemorySegment.NULL)) {
            CApi.PyErr_Clear();
            throw new ConversionException("The Python int does not fit in a Java double");
        }
        return d;
    }

    private static float narrowFloat(InterpreterImpl interpreter, MemorySegment o) {
        double d = floating(interpreter, o);
        if (Double.isFinite(d) && Math.abs(d) > Float.MAX_VALUE) {
            throw new ConversionException("The Python float " + d + " does not fit in a Java float");
        }
        return (float) d;
    }

    private static boolean bool(InterpreterImpl interpreter, MemorySegment o) {
        if (ObjectHeader.typeOf(o) != CApi.PyBool_Type.address()) {
            throw new ConversionException("Expected a Python bool, got " + typeName(o));
        }
        return o.equals(CApi.Py_True);
    }

    private static String text(InterpreterImpl interpreter, MemorySegment o) {
        if (!isInstance(o, CApi.PyUnicode_Type)) {
            throw new ConversionException("Expected a Python str, got " + typeName(o));
        }
        return string(interpreter, o);
    }

    private static char character(InterpreterImpl interpreter, MemorySegment o) {
        String s = text(interpreter, o);
        if (s.length() != 1) {
            throw new ConversionException("Expected a str of one UTF-16 unit, got one of length " + s.length());
        }
        return s.charAt(0);
    }

    private static byte[] bytesLike(InterpreterImpl interpreter, MemorySegment o) {
        if (isInstance(o, CApi.PyUnicode_Type)) {
            throw new ConversionException("Expected a bytes-like object, got str (encode it first)");
        }
        try {
            return byteArray(interpreter, o);
        } catch (RuntimeException e) {
            throw new ConversionException("Expected a bytes-like object, got " + typeName(o), e);
        }
    }

    private static List<Object> elements(InterpreterImpl interpreter, MemorySegment o) {
        if (isInstance(o, CApi.PyUnicode_Type) || isInstance(o, CApi.PyBytes_Type)) {
            throw new ConversionException("Expected a sequence, got " + typeName(o)
                    + " (convert it to String or byte[] instead)");
        }
        List<Object> result = new ArrayList<>();
        List<MemorySegment> items;
        try {
            items = iterate(interpreter, o);
        } catch (RuntimeException e) {
            throw new ConversionException("Expected an iterable, got " + typeName(o), e);
        }
        for (MemorySegment item : items) {
            try {
                result.add(toJava(interpreter, item));
            } finally {
                CApi.Py_DecRef(item);
            }
        }
        return result;
    }

    private static Map<Object, Object> mapping(InterpreterImpl interpreter, MemorySegment o) {
        if (!isInstance(o, CApi.PyDict_Type)) {
            throw new ConversionException("Expected a Python dict, got " + typeName(o));
        }
        @SuppressWarnings("unchecked")
        Map<Object, Object> map = (Map<Object, Object>) containerToJava(interpreter, o, CApi.PyDict_Type.address(),
                new java.util.HashMap<>());
        return map;
    }

    // ==== helpers ===============================================================================================

    static boolean isInstance(MemorySegment o, MemorySegment type) {
        long t = ObjectHeader.typeOf(o);
        return t == type.address() || CApi.PyType_IsSubtype(MemorySegment.ofAddress(t), type) != 0;
    }

    /** {@code type(o).__qualname__}, qualified with the module unless builtin. */
    static String typeName(MemorySegment o) {
        return "'" + typeObjectName(MemorySegment.ofAddress(ObjectHeader.typeOf(o))) + "'";
    }

    /** {@code type.__qualname__} of a type object, best effort. */
    static String typeObjectName(MemorySegment type) {
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


    static MemorySegment newRef(MemorySegment o) {
        CApi.Py_IncRef(o);
        return o;
    }

    private static MemorySegment check(MemorySegment created) {
        if (created.equals(MemorySegment.NULL)) {
            CApi.PyErr_Clear();
            throw new ConversionException("CPython could not create the value (out of memory?)");
        }
        return created;
    }

    private static ConversionException unhashable(InterpreterImpl interpreter, Object key, String what) {
        String detail = Errors.fetch(interpreter).getMessage();
        return new ConversionException("Cannot use a Java " + (key == null ? "null" : key.getClass().getName())
                + " as a Python " + what + ": " + detail);
    }

    /** Iterates any Java array, primitive ones included. */
    private record ArrayIterable(Object array) implements Iterable<Object> {
        @Override
        public java.util.Iterator<Object> iterator() {
            return new java.util.Iterator<>() {
                private int i;

                @Override
                public boolean hasNext() {
                    return i < Array.getLength(array);
                }

                @Override
                public Object next() {
                    return Array.get(array, i++);
                }
            };
        }
    }

    /** Adapts the common functional interfaces to Python callables (positional arguments, arity checked). */
    static final class Adapters {
        private Adapters() {}

        @SuppressWarnings({"unchecked", "rawtypes"})
        static PythonCallable adapt(Object f) {
            return switch (f) {
                case Function fn -> (args, kwargs) -> fn.apply(only(args, kwargs, 1, "Function")[0]);
                case BiFunction fn -> (args, kwargs) -> {
                    Object[] a = only(args, kwargs, 2, "BiFunction");
                    return fn.apply(a[0], a[1]);
                };
                case Supplier s -> (args, kwargs) -> {
                    only(args, kwargs, 0, "Supplier");
                    return s.get();
                };
                case java.util.concurrent.Callable c -> (args, kwargs) -> {
                    only(args, kwargs, 0, "Callable");
                    return c.call();
                };
                case Runnable r -> (args, kwargs) -> {
                    only(args, kwargs, 0, "Runnable");
                    r.run();
                    return null;
                };
                case Consumer c -> (args, kwargs) -> {
                    c.accept(only(args, kwargs, 1, "Consumer")[0]);
                    return null;
                };
                case BiConsumer c -> (args, kwargs) -> {
                    Object[] a = only(args, kwargs, 2, "BiConsumer");
                    c.accept(a[0], a[1]);
                    return null;
                };
                case Predicate p -> (args, kwargs) -> p.test(only(args, kwargs, 1, "Predicate")[0]);
                default -> null;
            };
        }

        private static Object[] only(List<Object> args, Map<String, Object> kwargs, int arity, String kind) {
            if (!kwargs.isEmpty() || args.size() != arity) {
                throw new IllegalArgumentException("This Java " + kind + " takes exactly " + arity
                        + " positional argument" + (arity == 1 ? "" : "s") + " (" + args.size() + " given"
                        + (kwargs.isEmpty() ? "" : ", and keywords " + kwargs.keySet()) + ")");
            }
            return args.toArray();
        }
    }

    /** Boxes primitive classes. */
    static final class MethodTypes {
        private MethodTypes() {}

        static Class<?> box(Class<?> primitive) {
            return java.lang.invoke.MethodType.methodType(primitive).wrap().returnType();
        }
    }
}
