package dev.tether.internal.bridge;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

/**
 * The operations of a public {@code PyObject}, each on a borrowed address with a thread state of the object's
 * interpreter attached (see {@link Bridge#with}). Results that are Python objects are returned as new public
 * objects; Python errors become {@code PythonException}s.
 */
public final class PyOps {
    private static final int PY_EQ = 2;

    private PyOps() {}

    public static Object getAttr(Ref ref, String name) {
        return Bridge.with(ref, o -> wrap(ref, withName(ref, name, n -> CApi.PyObject_GetAttr(o, n))));
    }

    public static void setAttr(Ref ref, String name, Object value) {
        Bridge.with(ref, o -> {
            MemorySegment v = Convert.toPython(ref.interpreter, value);
            try {
                return check(ref, withName(ref, name, n -> CApi.PyObject_SetAttr(o, n, v)));
            } finally {
                CApi.Py_DecRef(v);
            }
        });
    }

    public static void delAttr(Ref ref, String name) {
        Bridge.with(ref, o -> check(ref, withName(ref, name, n -> CApi.PyObject_SetAttr(o, n, MemorySegment.NULL))));
    }

    public static boolean hasAttr(Ref ref, String name) {
        return Bridge.with(ref, o -> {
            try (Arena arena = Arena.ofConfined()) {
                return CApi.PyObject_HasAttrString(o, arena.allocateFrom(name)) == 1;
            }
        });
    }

    public static Object call(Ref ref, Object[] args, Map<String, ?> kwargs) {
        return Bridge.with(ref, o -> Bridge.wrap(ref.interpreter, Calls.call(ref.interpreter, o, args, kwargs)));
    }

    /** Calls and converts the result to Java in one attachment (the fast path for simple values). */
    public static Object callToJava(Ref ref, Object[] args, Map<String, ?> kwargs) {
        return Bridge.with(ref, o -> {
            MemorySegment result = Calls.call(ref.interpreter, o, args, kwargs);
            try {
                return Convert.toJava(ref.interpreter, result);
            } finally {
                CApi.Py_DecRef(result);
            }
        });
    }

    public static Object callMethod(Ref ref, String name, Object[] args, Map<String, ?> kwargs) {
        return Bridge.with(ref, o -> {
            MemorySegment method = withName(ref, name, n -> CApi.PyObject_GetAttr(o, n));
            if (method.equals(MemorySegment.NULL)) {
                throw Errors.fetch(ref.interpreter);
            }
            try {
                return Bridge.wrap(ref.interpreter, Calls.call(ref.interpreter, method, args, kwargs));
            } finally {
                CApi.Py_DecRef(method);
            }
        });
    }

    public static Object getItem(Ref ref, Object key) {
        return Bridge.with(ref, o -> {
            MemorySegment k = Convert.toPython(ref.interpreter, key);
            try {
                return wrap(ref, CApi.PyObject_GetItem(o, k));
            } finally {
                CApi.Py_DecRef(k);
            }
        });
    }

    public static void setItem(Ref ref, Object key, Object value) {
        Bridge.with(ref, o -> {
            MemorySegment k = Convert.toPython(ref.interpreter, key);
            MemorySegment v = MemorySegment.NULL;
            try {
                v = Convert.toPython(ref.interpreter, value);
                return check(ref, CApi.PyObject_SetItem(o, k, v));
            } finally {
                CApi.Py_DecRef(k);
                if (!v.equals(MemorySegment.NULL)) {
                    CApi.Py_DecRef(v);
                }
            }
        });
    }

    public static void delItem(Ref ref, Object key) {
        Bridge.with(ref, o -> {
            MemorySegment k = Convert.toPython(ref.interpreter, key);
            try {
                return check(ref, CApi.PyObject_DelItem(o, k));
            } finally {
                CApi.Py_DecRef(k);
            }
        });
    }

    public static long len(Ref ref) {
        return Bridge.with(ref, o -> {
            long n = CApi.PyObject_Size(o);
            if (n < 0) {
                throw Errors.fetch(ref.interpreter);
            }
            return n;
        });
    }

    public static String repr(Ref ref) {
        return Bridge.with(ref, o -> text(ref, CApi.PyObject_Repr(o)));
    }

    public static String str(Ref ref) {
        return Bridge.with(ref, o -> text(ref, CApi.PyObject_Str(o)));
    }

    public static String typeName(Ref ref) {
        return Bridge.with(ref, o -> Convert.typeName(o).replace("'", ""));
    }

    public static boolean isNone(Ref ref) {
        return ref.address.equals(CApi.Py_None);
    }

    public static Object toJava(Ref ref) {
        return Bridge.with(ref, o -> Convert.toJava(ref.interpreter, o));
    }

    public static <T> T as(Ref ref, Class<T> type) {
        return Bridge.with(ref, o -> Convert.as(ref.interpreter, o, type));
    }

    /** Python {@code a == b}; false if the comparison raised. */
    public static boolean pythonEquals(Ref a, Ref b) {
        return Bridge.with(a, x -> Bridge.with(b, y -> {
            int r = CApi.PyObject_RichCompareBool(x, y, PY_EQ);
            if (r < 0) {
                CApi.PyErr_Clear();
                return false;
            }
            return r == 1;
        }));
    }

    /** Python {@code hash(o)}, or null if the object is unhashable. */
    public static Long hash(Ref ref) {
        return Bridge.with(ref, o -> {
            long h = CApi.PyObject_Hash(o);
            if (h == -1 && !CApi.PyErr_Occurred().equals(MemorySegment.NULL)) {
                CApi.PyErr_Clear();
                return null;
            }
            return h;
        });
    }

    /** A new public object for {@code iter(o)}. */
    public static Object iter(Ref ref) {
        return Bridge.with(ref, o -> wrap(ref, CApi.PyObject_GetIter(o)));
    }

    /** The next item of an iterator as a new public object, or null at the end. */
    public static Object next(Ref iterator) {
        return Bridge.with(iterator, o -> {
            MemorySegment item = CApi.PyIter_Next(o);
            if (item.equals(MemorySegment.NULL)) {
                if (!CApi.PyErr_Occurred().equals(MemorySegment.NULL)) {
                    throw Errors.fetch(iterator.interpreter);
                }
                return null;
            }
            return Bridge.wrap(iterator.interpreter, item);
        });
    }

    /** The object's address: its identity in Python ({@code id(o)} in CPython). */
    public static long address(Ref ref) {
        return ref.address.address();
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static Object wrap(Ref ref, MemorySegment result) {
        if (result.equals(MemorySegment.NULL)) {
            throw Errors.fetch(ref.interpreter);
        }
        return Bridge.wrap(ref.interpreter, result);
    }

    private static Void check(Ref ref, int rc) {
        if (rc < 0) {
            throw Errors.fetch(ref.interpreter);
        }
        return null;
    }

    private static String text(Ref ref, MemorySegment s) {
        if (s.equals(MemorySegment.NULL)) {
            throw Errors.fetch(ref.interpreter);
        }
        try {
            String value = Texts.fromPython(s);
            if (value == null) {
                throw Errors.fetch(ref.interpreter);
            }
            return value;
        } finally {
            CApi.Py_DecRef(s);
        }
    }

    private static <T> T withName(Ref ref, String name, java.util.function.Function<MemorySegment, T> body) {
        MemorySegment n = Texts.toPython(name);
        if (n.equals(MemorySegment.NULL)) {
            throw Errors.fetch(ref.interpreter);
        }
        try {
            return body.apply(n);
        } finally {
            CApi.Py_DecRef(n);
        }
    }

    /** Values the public layer needs about an object without a thread state: its interpreter. */
    public static InterpreterImpl interpreter(Ref ref) {
        return ref.interpreter;
    }

}
