package dev.tether.internal.bridge;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.tether.ConversionException;
import dev.tether.internal.bridge.HostClass.Group;
import dev.tether.internal.bridge.HostClass.Invocable;
import dev.tether.internal.bridge.PyTypes.Kind;
import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.Failures;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Array;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Calls a Java method group with Python arguments: chooses the overload by the conversion table, converts the
 * arguments strictly to its parameter types, invokes it, and converts the result to Python.
 *
 * <h2>Choosing</h2>
 * Each overload of the call's arity is scored per argument: the cost of converting that Python value to that
 * parameter type, lower for a closer fit (an {@code int} fits {@code long} best, then {@code int}, {@code short},
 * {@code byte} while the value is in range, then {@code BigInteger}, {@code double}, {@code float},
 * {@code Number}, {@code Object} (an int beyond 64 bits prefers {@code Object} to a {@code double}); a primitive
 * parameter beats its wrapper; {@code None} fits any reference type,
 * {@code Object} last; a proxy fits its class exactly, then its superclasses by distance, then interfaces,
 * {@code Object}; a Python callable fits a functional interface, implemented by it; any value fits
 * {@code PyObject}). An overload that fits no worse in every argument and better in
 * one is preferred; if no single overload is preferred to every other, the call is ambiguous and the
 * {@code TypeError} names the overloads in question. Varargs methods take their array as one argument.
 */
final class Overloads {
    /** A parameter the argument cannot be converted to. */
    private static final int NO = Integer.MAX_VALUE;
    /** Costs of the catch-all parameter types: below them, everything more specific. */
    private static final int NUMBER = 9;
    private static final int OBJECT = 10;
    private static final int PYOBJECT = 12;
    /** A Python callable for a functional interface: before {@code Object}, which would take it as a PyObject. */
    private static final int FUNCTIONAL = 8;

    private Overloads() {}

    /** One Python argument as the chooser sees it. */
    private static final class Arg {
        final MemorySegment o;
        final Kind kind;
        /** The Java object behind a proxy, view or Java buffer, else null. */
        final Object target;
        /** For an int: whether it fits a long, and its value if so. */
        boolean fitsLong;
        long longValue;
        int length = -1;

        Arg(ObjectSpace space, MemorySegment o) {
            this.o = o;
            Kind k = PyTypes.kindOf(o);
            this.target = k == Kind.OTHER ? ObjectSpace.unwrap(space.interpreter, o) : null;
            if (k == Kind.OTHER && target == null) {
                k = PyTypes.isIntNotBool(o) ? Kind.INT : PyTypes.isInstance(o, CApi.PyFloat_Type) ? Kind.FLOAT
                        : PyTypes.isInstance(o, CApi.PyUnicode_Type) ? Kind.STR : Kind.OTHER;
            }
            this.kind = k;
            if (k == Kind.INT) {
                MemorySegment overflow = Scratch.block();
                long v = CApi.PyLong_AsLongLongAndOverflow(o, overflow);
                fitsLong = overflow.get(JAVA_INT, 0) == 0 && !(v == -1 && pendingCleared());
                longValue = v;
            } else if (k == Kind.STR) {
                length = (int) Math.min(Integer.MAX_VALUE, CApi.PyObject_Size(o));
            }
        }

        String describe() {
            return target != null ? target.getClass().getName() : PyTypes.typeName(o).replace("'", "");
        }
    }

    private static boolean pendingCleared() {
        if (CApi.PyErr_Occurred().equals(MemorySegment.NULL)) {
            return false;
        }
        CApi.PyErr_Clear();
        return true;
    }

    /**
     * Calls {@code group} on {@code target} with the {@code count} Python arguments at {@code first} of
     * {@code args}; a new reference to the converted result.
     */
    static MemorySegment call(ObjectSpace space, HostClass table, Group group, Object target, MemorySegment args,
                              int first, long count) throws Throwable {
        Object[] direct = group.candidates.length == 1 ? direct(group.candidates[0], args, first, (int) count) : null;
        if (direct != null) {
            return result(space, group.candidates[0], group.candidates[0].invoke(target, direct));
        }
        Arg[] given = new Arg[(int) count];
        for (int i = 0; i < count; i++) {
            given[i] = new Arg(space, HostCalls.arg(args, first + i));
        }
        Invocable chosen = choose(table, group, given);
        Object[] javaArgs = new Object[given.length];
        for (int i = 0; i < given.length; i++) {
            javaArgs[i] = convert(space, given[i], chosen.params[i], chosen, i);
        }
        return result(space, chosen, chosen.invoke(target, javaArgs));
    }

    private static MemorySegment result(ObjectSpace space, Invocable chosen, Object result) {
        if (chosen.method.getReturnType() == void.class) {
            return PyTypes.newRef(CApi.Py_None);
        }
        return ToPython.convert(space.interpreter, result);
    }

    /**
     * The fast path of a method without overloads whose arguments are exact ints, floats, bools and strs for
     * numeric, boolean and String parameters: the values converted without scoring; null to take the general
     * path (anything else, an int out of range: that path explains why).
     */
    private static Object[] direct(Invocable only, MemorySegment args, int first, int count) {
        if (only.params.length != count) {
            return null;
        }
        Object[] out = new Object[count];
        for (int i = 0; i < count; i++) {
            Object v = direct(HostCalls.arg(args, first + i), only.params[i]);
            if (v == null) {
                return null;
            }
            out[i] = v;
        }
        return out;
    }

    private static Object direct(MemorySegment o, Class<?> p) {
        long type = dev.tether.internal.capi.ObjectHeader.typeOf(o);
        if (type == CApi.PyLong_Type.address()) {
            MemorySegment overflow = Scratch.block(); // no Python code runs between the call and the read
            long v = CApi.PyLong_AsLongLongAndOverflow(o, overflow);
            if (overflow.get(JAVA_INT, 0) != 0 || (v == -1 && pendingCleared())) {
                return null;
            }
            Class<?> q = unboxed(p);
            return q == long.class ? (Object) v : q == int.class && v == (int) v ? (Object) (int) v
                    : q == double.class ? (Object) (double) v : null;
        } else if (type == CApi.PyFloat_Type.address()) {
            Class<?> q = unboxed(p);
            return q == double.class ? (Object) CApi.PyFloat_AsDouble(o) : null;
        } else if (type == CApi.PyBool_Type.address()) {
            return unboxed(p) == boolean.class ? (Object) o.equals(CApi.Py_True) : null;
        } else if (type == CApi.PyUnicode_Type.address() && (p == String.class || p == CharSequence.class)) {
            String text = Texts.fromPython(o);
            if (text == null) {
                CApi.PyErr_Clear(); // the general path converts again and reports it
            }
            return text;
        }
        return null;
    }

    /** {@code o} (borrowed) converted strictly to {@code type}, for a field or a setter ({@code what} names it). */
    static Object convert(ObjectSpace space, MemorySegment o, Class<?> type, String what, int index) {
        Arg arg = new Arg(space, o);
        if (cost(arg, type) == NO) {
            throw PyRaise.typeError(Failures.argumentNotConverted(what, index, "a " + arg.describe()
                    + " cannot be a Java " + type.getSimpleName()));
        }
        try {
            return toJava(space, arg, type);
        } catch (ConversionException e) {
            throw PyRaise.typeError(Failures.argumentNotConverted(what, index, e.getMessage()));
        }
    }

    private static Object convert(ObjectSpace space, Arg arg, Class<?> type, Invocable chosen, int index) {
        try {
            return toJava(space, arg, type);
        } catch (ConversionException e) {
            throw PyRaise.typeError(Failures.argumentNotConverted(chosen.signature(), index, e.getMessage()));
        }
    }

    private static Invocable choose(HostClass table, Group group, Arg[] given) {
        List<Invocable> fitting = new ArrayList<>();
        List<int[]> costs = new ArrayList<>();
        for (Invocable c : group.candidates) {
            if (c.params.length != given.length) {
                continue;
            }
            int[] cost = new int[given.length];
            boolean fits = true;
            for (int i = 0; i < given.length && fits; i++) {
                cost[i] = cost(given[i], c.params[i]);
                fits = cost[i] != NO;
            }
            if (fits) {
                fitting.add(c);
                costs.add(cost);
            }
        }
        if (fitting.size() == 1) {
            return fitting.getFirst();
        }
        if (fitting.isEmpty()) {
            throw PyRaise.typeError(Failures.noOverload(table.type.getName(), group.name, describe(given),
                    signatures(List.of(group.candidates)), group.refused));
        }
        List<Invocable> best = new ArrayList<>();
        for (int a = 0; a < fitting.size(); a++) {
            boolean beaten = false;
            for (int b = 0; b < fitting.size() && !beaten; b++) {
                beaten = a != b && preferred(costs.get(b), costs.get(a));
            }
            if (!beaten) {
                best.add(fitting.get(a));
            }
        }
        if (best.size() == 1) {
            return best.getFirst();
        }
        throw PyRaise.typeError(Failures.ambiguousOverload(table.type.getName(), group.name, describe(given),
                signatures(best)));
    }

    /** Whether costs {@code a} fit no worse than {@code b} in every argument and better in one. */
    private static boolean preferred(int[] a, int[] b) {
        boolean better = false;
        for (int i = 0; i < a.length; i++) {
            if (a[i] > b[i]) {
                return false;
            }
            better |= a[i] < b[i];
        }
        return better;
    }

    /** The cost of converting {@code arg} to {@code p}: twice the table's rank, plus one for a wrapper type. */
    private static int cost(Arg arg, Class<?> p) {
        if (Bridge.publisher().isObjectType(p)) {
            return 2 * PYOBJECT;
        }
        int rank = rank(arg, p.isPrimitive() ? p : unboxed(p), p);
        if (rank == NO) {
            return NO;
        }
        return 2 * rank + (!p.isPrimitive() && unboxed(p) != p ? 1 : 0);
    }

    /** The table's rank of {@code p} for {@code arg} ({@code prim} is {@code p} unboxed, if it is a wrapper). */
    private static int rank(Arg arg, Class<?> prim, Class<?> p) {
        boolean catchAll = p == Object.class || p == Serializable.class || p == Comparable.class;
        return switch (arg.kind) {
            case NONE -> p.isPrimitive() ? NO : catchAll ? OBJECT : 0;
            case BOOL -> prim == boolean.class ? 0 : catchAll ? OBJECT : NO;
            case INT -> integerRank(arg, prim, p, catchAll);
            case FLOAT -> prim == double.class ? 0 : prim == float.class ? 1 : p == Number.class ? NUMBER
                    : catchAll ? OBJECT : NO;
            case STR -> p == String.class ? 0 : p == CharSequence.class ? 1
                    : prim == char.class ? (arg.length == 1 ? 2 : NO) : catchAll ? OBJECT : NO;
            case BYTES, BYTEARRAY -> p == byte[].class ? 0 : p == Object.class ? OBJECT : NO;
            case LIST -> p == List.class ? 0 : p.isAssignableFrom(ArrayList.class) && !catchAll ? 1
                    : p == Object[].class ? 3 : p.isArray() ? 4 : catchAll ? OBJECT : NO;
            case TUPLE -> p == Object[].class ? 0 : p == List.class ? 1
                    : p.isAssignableFrom(ArrayList.class) && !catchAll ? 2 : p.isArray() ? 4 : catchAll ? OBJECT : NO;
            case DICT -> p == Map.class ? 0 : p.isAssignableFrom(LinkedHashMap.class) && !catchAll ? 1
                    : catchAll ? OBJECT : NO;
            case SET, FROZENSET -> p == Set.class ? 0 : p.isAssignableFrom(LinkedHashSet.class) && !catchAll ? 1
                    : p == Collection.class || p == Iterable.class ? 2 : catchAll ? OBJECT : NO;
            case OTHER -> arg.target != null ? distance(arg.target.getClass(), p)
                    : p == Object.class ? PYOBJECT - 1 : implementable(arg, p) ? FUNCTIONAL : NO;
        };
    }

    /** Whether a Python callable can implement the functional interface {@code p}. */
    private static boolean implementable(Arg arg, Class<?> p) {
        return p.isInterface() && PythonImplementations.functionalMethod(p) != null
                && CApi.PyCallable_Check(arg.o) == 1;
    }

    private static int integerRank(Arg arg, Class<?> prim, Class<?> p, boolean catchAll) {
        long v = arg.longValue;
        boolean fits = arg.fitsLong;
        if (prim == long.class) {
            return fits ? 0 : NO;
        } else if (prim == int.class) {
            return fits && v == (int) v ? 1 : NO;
        } else if (prim == short.class) {
            return fits && v == (short) v ? 2 : NO;
        } else if (prim == byte.class) {
            return fits && v == (byte) v ? 3 : NO;
        } else if (p == BigInteger.class) {
            return 4;
        } else if (prim == double.class) {
            return fits ? 5 : OBJECT + 1; // beyond 64 bits a double loses digits: an exact type first
        } else if (prim == float.class) {
            return fits ? 6 : NO;
        }
        return p == Number.class ? NUMBER : catchAll ? OBJECT : NO;
    }

    /** 0 for the object's own class, 1 more per superclass step, 6 for an interface, {@code OBJECT} for Object. */
    private static int distance(Class<?> actual, Class<?> p) {
        if (!p.isAssignableFrom(actual)) {
            return NO;
        }
        if (p == Object.class) {
            return OBJECT;
        }
        if (p.isInterface()) {
            return 6;
        }
        int steps = 0;
        for (Class<?> c = actual; c != p; c = c.getSuperclass()) {
            steps++;
        }
        return Math.min(steps, 5);
    }

    private static Class<?> unboxed(Class<?> p) {
        return p == Long.class ? long.class : p == Integer.class ? int.class : p == Short.class ? short.class
                : p == Byte.class ? byte.class : p == Double.class ? double.class : p == Float.class ? float.class
                : p == Boolean.class ? boolean.class : p == Character.class ? char.class : p;
    }

    /** The argument as a value of {@code p}; {@link ConversionException} if it does not fit. */
    private static Object toJava(ObjectSpace space, Arg arg, Class<?> p) {
        if (Bridge.publisher().isObjectType(p)) {
            return ToJava.object(space.interpreter, arg.o);
        }
        if (arg.target != null) {
            if (!p.isInstance(arg.target)) {
                throw Failures.expectedKind("a " + p.getName(), arg.target.getClass().getName());
            }
            return arg.target;
        }
        if (arg.kind == Kind.NONE) {
            if (p.isPrimitive()) {
                throw Failures.expectedKind("a Java " + p.getName(), "None");
            }
            return null;
        }
        if (p == CharSequence.class) {
            return AsType.convert(space.interpreter, arg.o, String.class);
        }
        if (arg.kind == Kind.OTHER && p.isInterface() && implementable(arg, p)) {
            return PythonImplementations.implement(space.interpreter, arg.o, p);
        }
        if (p.isArray() && p != byte[].class && p != Object[].class) {
            return array(AsType.convert(space.interpreter, arg.o, List.class), p.getComponentType());
        }
        if (p == Object.class || p == Number.class || p == Serializable.class || p == Comparable.class) {
            return ToJava.convert(space.interpreter, arg.o);
        }
        if (p.isPrimitive() || p.getName().startsWith("java.lang.") || p == BigInteger.class || p == byte[].class
                || p == Object[].class || p == List.class || p == Collection.class || p == Iterable.class
                || p == Set.class || p == Map.class) {
            return AsType.convert(space.interpreter, arg.o, p);
        }
        Object value = ToJava.convert(space.interpreter, arg.o);
        if (!p.isInstance(value)) {
            throw Failures.expectedKind("a " + p.getName(), arg.describe());
        }
        return value;
    }

    /** A Java array of {@code component} from converted elements, each range-checked. */
    private static Object array(List<?> elements, Class<?> component) {
        Object array = Array.newInstance(component, elements.size());
        for (int i = 0; i < elements.size(); i++) {
            Object e = elements.get(i);
            Object v = component.isPrimitive() ? primitive(e, component) : e;
            if (v != null && !component.isPrimitive() && !component.isInstance(v)) {
                throw Failures.expectedKind("a " + component.getName() + " element", v.getClass().getName());
            }
            Array.set(array, i, v);
        }
        return array;
    }

    /** A converted Java value as the primitive {@code component} (boxed), range-checked. */
    static Object primitiveValue(Object e, Class<?> component) {
        return primitive(e, component);
    }

    private static Object primitive(Object e, Class<?> component) {
        if (component == boolean.class && e instanceof Boolean b) {
            return b;
        }
        if (component == char.class && e instanceof String s && s.length() == 1) {
            return s.charAt(0);
        }
        if (e instanceof Long l) {
            long v = l;
            boolean fits = component == long.class || (component == int.class && v == (int) v)
                    || (component == short.class && v == (short) v) || (component == byte.class && v == (byte) v);
            if (fits) {
                return component == long.class ? (Object) v : component == int.class ? (Object) (int) v
                        : component == short.class ? (Object) (short) v : (Object) (byte) v;
            }
            if (component == double.class) {
                return (double) v;
            }
            if (component == float.class) {
                return (float) v;
            }
        }
        if (e instanceof Double d && (component == double.class || component == float.class)) {
            return component == double.class ? (Object) d : (Object) d.floatValue();
        }
        throw Failures.expectedKind("a Java " + component.getName() + " element",
                e == null ? "None" : e.getClass().getSimpleName() + " " + e);
    }

    private static String describe(Arg[] given) {
        List<String> names = new ArrayList<>();
        for (Arg a : given) {
            names.add(a.describe());
        }
        return String.join(", ", names);
    }

    private static List<String> signatures(List<Invocable> candidates) {
        List<String> out = new ArrayList<>();
        for (Invocable c : candidates) {
            out.add(c.signature());
        }
        return out;
    }
}
