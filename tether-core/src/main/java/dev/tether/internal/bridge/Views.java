package dev.tether.internal.bridge;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.tether.internal.bridge.ObjectSpace.Entry;
import dev.tether.internal.capi.CApi;
import dev.tether.internal.capi.ObjectHeader;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Java functions of live views ({@code ThreadState.view}): the abstract methods of
 * {@code collections.abc.MutableSequence}, {@code MutableMapping}, {@code MutableSet}, {@code Collection},
 * {@code Iterable} and {@code Iterator} on the Java collection itself, no copy; the mixin methods of those ABCs
 * ({@code append}, {@code keys}, {@code items}, {@code pop}...) work through them.
 *
 * <p>Elements read out convert by the conversion table, except that a {@code List}, {@code Map}, {@code Set} or
 * other {@code Collection} element is a view too (so {@code view["k"].append(1)} changes the Java list); values
 * written in convert by the table (a proxy or view gives back its Java object). A read-only view refuses every
 * change with a {@code TypeError}; a Java collection that refuses one raises its own exception
 * ({@code UnsupportedOperationException} is a {@code NotImplementedError}).
 */
final class Views {
    private Views() {}

    /** Adds the members of the view classes of {@code tether_support.py} to {@code members}. */
    static void members(ObjectSpace space, Map<String, Map<String, MemorySegment>> members) {
        InterpreterImpl i = space.interpreter;
        Map<String, MemorySegment> iterator = new LinkedHashMap<>();
        iterator.put("__next__", HostCalls.method(i, "__next__", (a, n) -> next(space, a, n)));
        members.put("JavaIterator", iterator);
        Map<String, MemorySegment> iterable = new LinkedHashMap<>();
        iterable.put("__iter__", iter(space));
        members.put("JavaIterable", iterable);
        Map<String, MemorySegment> collection = collectionMembers(space);
        members.put("JavaCollection", collection);
        Map<String, MemorySegment> set = collectionMembers(space);
        set.put("add", HostCalls.method(i, "add", (a, n) -> {
            Collection<Object> s = mutable(space, a, n, 2);
            s.add(in(space, HostCalls.arg(a, 1)));
            return none();
        }));
        set.put("discard", HostCalls.method(i, "discard", (a, n) -> {
            Collection<Object> s = mutable(space, a, n, 2);
            s.remove(in(space, HostCalls.arg(a, 1)));
            return none();
        }));
        members.put("JavaSet", set);
        members.put("JavaList", listMembers(space));
        members.put("JavaMap", mapMembers(space));
    }

    private static Map<String, MemorySegment> collectionMembers(ObjectSpace space) {
        InterpreterImpl i = space.interpreter;
        Map<String, MemorySegment> m = new LinkedHashMap<>();
        m.put("__len__", HostCalls.method(i, "__len__", (a, n) -> size(space, a, n)));
        m.put("__iter__", iter(space));
        m.put("__contains__", HostCalls.method(i, "__contains__", (a, n) -> {
            Collection<?> c = (Collection<?>) view(space, a, n, 2).target;
            return Proxies.bool(c.contains(in(space, HostCalls.arg(a, 1))));
        }));
        return m;
    }

    private static Map<String, MemorySegment> listMembers(ObjectSpace space) {
        InterpreterImpl i = space.interpreter;
        Map<String, MemorySegment> m = collectionMembers(space);
        m.put("__getitem__", HostCalls.method(i, "__getitem__", (a, n) -> {
            Entry e = view(space, a, n, 2);
            List<?> list = (List<?>) e.target;
            MemorySegment key = HostCalls.arg(a, 1);
            if (isSlice(key)) {
                long[] s = slice(space, key, list.size());
                MemorySegment out = ToPython.check(CApi.PyList_New(s[3]));
                for (int k = 0; k < s[3]; k++) {
                    CApi.PyList_SetItem(out, k, out(space, list.get((int) (s[0] + k * s[2])), e.readOnly));
                }
                return out;
            }
            return out(space, list.get(index(space, key, list.size())), e.readOnly);
        }));
        m.put("__setitem__", HostCalls.method(i, "__setitem__", (a, n) -> {
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) mutable(space, a, n, 3);
            MemorySegment key = HostCalls.arg(a, 1);
            if (isSlice(key)) {
                assignSlice(space, list, slice(space, key, list.size()), HostCalls.arg(a, 2));
            } else {
                list.set(index(space, key, list.size()), in(space, HostCalls.arg(a, 2)));
            }
            return none();
        }));
        m.put("__delitem__", HostCalls.method(i, "__delitem__", (a, n) -> {
            List<?> list = (List<?>) mutable(space, a, n, 2);
            MemorySegment key = HostCalls.arg(a, 1);
            if (isSlice(key)) {
                long[] s = slice(space, key, list.size());
                for (long k = s[3] - 1; k >= 0; k--) {
                    list.remove((int) (s[0] + k * s[2]));
                }
            } else {
                list.remove(index(space, key, list.size()));
            }
            return none();
        }));
        m.put("insert", HostCalls.method(i, "insert", (a, n) -> {
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) mutable(space, a, n, 3);
            long at = (Long) AsType.convert(space.interpreter, HostCalls.arg(a, 1), Long.class);
            int size = list.size();
            at = at < 0 ? Math.max(0, at + size) : Math.min(at, size);
            list.add((int) at, in(space, HostCalls.arg(a, 2)));
            return none();
        }));
        m.put("append", HostCalls.method(i, "append", (a, n) -> {
            mutable(space, a, n, 2).add(in(space, HostCalls.arg(a, 1)));
            return none();
        }));
        return m;
    }

    private static Map<String, MemorySegment> mapMembers(ObjectSpace space) {
        InterpreterImpl i = space.interpreter;
        Map<String, MemorySegment> m = new LinkedHashMap<>();
        m.put("__len__", HostCalls.method(i, "__len__", (a, n) -> size(space, a, n)));
        m.put("__iter__", iter(space));
        m.put("__contains__", HostCalls.method(i, "__contains__", (a, n) ->
                Proxies.bool(map(space, a, n, 2).containsKey(in(space, HostCalls.arg(a, 1))))));
        m.put("__getitem__", HostCalls.method(i, "__getitem__", (a, n) -> {
            Entry e = view(space, a, n, 2);
            Map<?, ?> map = (Map<?, ?>) e.target;
            Object key = in(space, HostCalls.arg(a, 1));
            Object value = map.get(key);
            if (value == null && !map.containsKey(key)) {
                throw new PyRaise(PyRaise.Kind.KEY_ERROR, HostCalls.arg(a, 1));
            }
            return out(space, value, e.readOnly);
        }));
        m.put("get", HostCalls.method(i, "get", (a, n) -> {
            if (n != 2 && n != 3) {
                throw PyRaise.typeError("get takes a key and an optional default");
            }
            Entry e = view(space, a, 2, 2);
            Map<?, ?> map = (Map<?, ?>) e.target;
            Object key = in(space, HostCalls.arg(a, 1));
            Object value = map.get(key);
            if (value == null && !map.containsKey(key)) {
                return PyTypes.newRef(n == 3 ? HostCalls.arg(a, 2) : CApi.Py_None);
            }
            return out(space, value, e.readOnly);
        }));
        m.put("__setitem__", HostCalls.method(i, "__setitem__", (a, n) -> {
            Entry e = view(space, a, n, 3);
            @SuppressWarnings("unchecked")
            Map<Object, Object> map = (Map<Object, Object>) writable(e);
            map.put(in(space, HostCalls.arg(a, 1)), in(space, HostCalls.arg(a, 2)));
            return none();
        }));
        m.put("__delitem__", HostCalls.method(i, "__delitem__", (a, n) -> {
            Entry e = view(space, a, n, 2);
            Map<?, ?> map = (Map<?, ?>) writable(e);
            Object key = in(space, HostCalls.arg(a, 1));
            if (!map.containsKey(key)) {
                throw new PyRaise(PyRaise.Kind.KEY_ERROR, HostCalls.arg(a, 1));
            }
            map.remove(key);
            return none();
        }));
        return m;
    }

    private static MemorySegment iter(ObjectSpace space) {
        return HostCalls.method(space.interpreter, "__iter__", (a, n) -> {
            Entry e = view(space, a, n, 1);
            Iterator<?> it = e.target instanceof Map<?, ?> map ? map.keySet().iterator()
                    : ((Iterable<?>) e.target).iterator();
            return ObjectSpace.view(space.interpreter, it, e.readOnly);
        });
    }

    private static MemorySegment next(ObjectSpace space, MemorySegment a, long n) {
        Entry e = view(space, a, n, 1);
        Iterator<?> it = (Iterator<?>) e.target;
        if (!it.hasNext()) {
            throw new PyRaise(PyRaise.Kind.STOP_ITERATION, (String) null);
        }
        return out(space, it.next(), e.readOnly);
    }

    private static MemorySegment size(ObjectSpace space, MemorySegment a, long n) {
        Object target = view(space, a, n, 1).target;
        int size = target instanceof Map<?, ?> map ? map.size() : ((Collection<?>) target).size();
        return ToPython.check(CApi.PyLong_FromLongLong(size));
    }

    /** A Java element as a Python object: collections as views, everything else by the table. */
    static MemorySegment out(ObjectSpace space, Object element, boolean readOnly) {
        if (element instanceof Collection<?> || element instanceof Map<?, ?>) {
            return ObjectSpace.view(space.interpreter, element, readOnly);
        }
        return ToPython.convert(space.interpreter, element);
    }

    /** A Python value (borrowed) as a Java element, by the table. */
    static Object in(ObjectSpace space, MemorySegment o) {
        return ToJava.convert(space.interpreter, o);
    }

    private static Entry view(ObjectSpace space, MemorySegment a, long n, int arity) {
        Entry e = Proxies.self(space, a, n, "this view method");
        if (n != arity) {
            throw PyRaise.typeError("expected " + (arity - 1) + " argument(s), got " + (n - 1));
        }
        if (e.kind == ObjectSpace.Kind.PROXY) {
            throw PyRaise.typeError(Failures.notAProxy("a view method"));
        }
        return e;
    }

    @SuppressWarnings("unchecked")
    private static Collection<Object> mutable(ObjectSpace space, MemorySegment a, long n, int arity) {
        return (Collection<Object>) writable(view(space, a, n, arity));
    }

    private static Map<?, ?> map(ObjectSpace space, MemorySegment a, long n, int arity) {
        return (Map<?, ?>) view(space, a, n, arity).target;
    }

    private static Object writable(Entry e) {
        if (e.readOnly) {
            throw PyRaise.typeError(Failures.readOnlyView(e.target.getClass().getName()));
        }
        return e.target;
    }

    private static boolean isSlice(MemorySegment key) {
        return ObjectHeader.typeOf(key) == CApi.PySlice_Type.address();
    }

    /** An index (Python's negative indexes count from the end), or an IndexError. */
    private static int index(ObjectSpace space, MemorySegment key, int size) {
        if (!PyTypes.isIntNotBool(key)) {
            throw PyRaise.typeError("list indices must be integers or slices, not " + PyTypes.typeName(key));
        }
        Object value = ToJava.integer(space.interpreter, key);
        long i = value instanceof Long l ? l : Long.MAX_VALUE;
        long at = i < 0 ? i + size : i;
        if (at < 0 || at >= size) {
            throw new PyRaise(PyRaise.Kind.INDEX_ERROR, Failures.viewIndexOutOfRange(i, size));
        }
        return (int) at;
    }

    /** {start, stop, step, length} of a slice over {@code size} elements. */
    private static long[] slice(ObjectSpace space, MemorySegment slice, int size) {
        // An arena of its own: unpacking calls __index__, which may run Python and re-enter Java.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment start = arena.allocate(JAVA_LONG);
            MemorySegment stop = arena.allocate(JAVA_LONG);
            MemorySegment step = arena.allocate(JAVA_LONG);
            if (CApi.PySlice_Unpack(slice, start, stop, step) < 0) {
                throw Errors.fetch(space.interpreter);
            }
            long st = step.get(JAVA_LONG, 0);
            long length = CApi.PySlice_AdjustIndices(size, start, stop, st);
            return new long[] {start.get(JAVA_LONG, 0), stop.get(JAVA_LONG, 0), st, length};
        }
    }

    private static void assignSlice(ObjectSpace space, List<Object> list, long[] s, MemorySegment value) {
        List<?> values = AsType.convert(space.interpreter, value, List.class);
        if (s[2] == 1) {
            int start = (int) s[0];
            list.subList(start, (int) Math.max(s[0], s[1])).clear();
            list.addAll(start, values);
            return;
        }
        if (values.size() != s[3]) {
            throw new PyRaise(PyRaise.Kind.TYPE_ERROR, "attempt to assign a sequence of size " + values.size()
                    + " to an extended slice of size " + s[3]);
        }
        for (int k = 0; k < s[3]; k++) {
            list.set((int) (s[0] + k * s[2]), values.get(k));
        }
    }

    private static MemorySegment none() {
        return PyTypes.newRef(CApi.Py_None);
    }
}
