package dev.tether.internal.bridge;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.function.Function;

/**
 * The operations of a public {@code PyObject}, each on a borrowed address with a thread state of the object's
 * interpreter attached (see {@link Bridge#with}). Results that are Python objects are returned as new
 * {@link Ref}s for the public layer to wrap; Python errors are thrown as the public exception.
 */
public final class PyOps {
    /** {@code Py_EQ}. */
    private static final int PY_EQ = 2;

    private PyOps() {}

    public static Ref getAttr(Ref ref, String name) {
        return Bridge.with(ref, o -> own(ref, withName(ref, name, n -> CApi.PyObject_GetAttr(o, n))));
    }

    public static void setAttr(Ref ref, String name, Object value) {
        Bridge.with(ref, o -> {
            MemorySegment v = ToPython.convert(ref.interpreter, value);
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

    public static Ref call(Ref ref, Object[] args, Map<String, ?> kwargs) {
        return Bridge.with(ref, o -> new Ref(ref.interpreter, Calls.call(ref.interpreter, o, args, kwargs)));
    }

    /** Calls and converts the result to Java in one attachment (the fast path for simple values). */
    public static Object callToJava(Ref ref, Object[] args, Map<String, ?> kwargs) {
        return Bridge.with(ref, o -> {
            MemorySegment result = Calls.call(ref.interpreter, o, args, kwargs);
            try {
                return ToJava.convert(ref.interpreter, result);
            } finally {
                CApi.Py_DecRef(result);
            }
        });
    }

    public static Ref callMethod(Ref ref, String name, Object[] args, Map<String, ?> kwargs) {
        return Bridge.with(ref, o -> {
            MemorySegment method = withName(ref, name, n -> CApi.PyObject_GetAttr(o, n));
            if (method.equals(MemorySegment.NULL)) {
                throw Errors.fetch(ref.interpreter);
            }
            try {
                return new Ref(ref.interpreter, Calls.call(ref.interpreter, method, args, kwargs));
            } finally {
                CApi.Py_DecRef(method);
            }
        });
    }

    public static Ref getItem(Ref ref, Object key) {
        return Bridge.with(ref, o -> {
            MemorySegment k = ToPython.convert(ref.interpreter, key);
            try {
                return own(ref, CApi.PyObject_GetItem(o, k));
            } finally {
                CApi.Py_DecRef(k);
            }
        });
    }

    public static void setItem(Ref ref, Object key, Object value) {
        Bridge.with(ref, o -> {
            MemorySegment k = ToPython.convert(ref.interpreter, key);
            MemorySegment v = MemorySegment.NULL;
            try {
                v = ToPython.convert(ref.interpreter, value);
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
            MemorySegment k = ToPython.convert(ref.interpreter, key);
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
        return Bridge.with(ref, o -> PyTypes.typeName(o).replace("'", ""));
    }

    public static boolean isNone(Ref ref) {
        return ref.address.equals(CApi.Py_None);
    }

    public static Object toJava(Ref ref) {
        return Bridge.with(ref, o -> ToJava.convert(ref.interpreter, o));
    }

    public static <T> T as(Ref ref, Class<T> type) {
        return Bridge.with(ref, o -> AsType.convert(ref.interpreter, o, type));
    }

    /**
     * Python {@code a == b}; false if the comparison raised an ordinary exception. An exception that is not an
     * {@code Exception} (a {@code KeyboardInterrupt} from a close or an interrupt, a {@code SystemExit}) is not
     * swallowed: it is thrown, so that the interrupt reaches the code that was interrupted.
     */
    public static boolean pythonEquals(Ref a, Ref b) {
        return Bridge.with(a, x -> Bridge.with(b, y -> {
            int r = CApi.PyObject_RichCompareBool(x, y, PY_EQ);
            if (r < 0) {
                clearOrdinaryError(a.interpreter);
                return false;
            }
            return r == 1;
        }));
    }

    /** Python {@code hash(o)}, or null if the object is unhashable (see {@link #pythonEquals} for interrupts). */
    public static Long hash(Ref ref) {
        return Bridge.with(ref, o -> {
            long h = CApi.PyObject_Hash(o);
            if (h == -1 && !CApi.PyErr_Occurred().equals(MemorySegment.NULL)) {
                clearOrdinaryError(ref.interpreter);
                return null;
            }
            return h;
        });
    }

    /** A new reference to {@code iter(o)}. */
    public static Ref iter(Ref ref) {
        return Bridge.with(ref, o -> own(ref, CApi.PyObject_GetIter(o)));
    }

    /** A new reference to the next item of an iterator, or null at the end. */
    public static Ref next(Ref iterator) {
        return Bridge.with(iterator, o -> {
            MemorySegment item = CApi.PyIter_Next(o);
            if (item.equals(MemorySegment.NULL)) {
                if (!CApi.PyErr_Occurred().equals(MemorySegment.NULL)) {
                    throw Errors.fetch(iterator.interpreter);
                }
                return null;
            }
            return new Ref(iterator.interpreter, item);
        });
    }

    /** The object's address: its identity in Python ({@code id(o)} in CPython). */
    public static long address(Ref ref) {
        return ref.address.address();
    }

    /** The interpreter that owns the object (no thread state needed). */
    public static InterpreterImpl interpreter(Ref ref) {
        return ref.interpreter;
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** Clears a pending {@code Exception}; anything else (an interrupt) is thrown instead. */
    private static void clearOrdinaryError(InterpreterImpl interpreter) {
        if (CApi.PyErr_ExceptionMatches(CApi.PyExc_Exception) != 0) {
            CApi.PyErr_Clear();
        } else {
            throw Errors.fetch(interpreter);
        }
    }

    private static Ref own(Ref ref, MemorySegment result) {
        return Bridge.own(ref.interpreter, result);
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

    private static <T> T withName(Ref ref, String name, Function<MemorySegment, T> body) {
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
}
