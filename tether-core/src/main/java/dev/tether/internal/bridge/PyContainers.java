package dev.tether.internal.bridge;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.tether.internal.bridge.PyTypes.Kind;
import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Converts nested Python lists, tuples, dicts, sets and frozensets to Java with an explicit stack instead of
 * recursion, so depth is bounded by memory only.
 *
 * <p>Every container converted once is converted once only: a Python object reachable twice becomes one Java object
 * reachable twice, and a container that contains itself becomes a Java container that contains itself. Keys and set
 * elements must behave as Java keys, so a tuple among them becomes an unmodifiable {@code List} (a Java array would
 * compare by identity). Each element is placed into its parent once complete, so no Java key is hashed half-built.
 *
 * <p>No Python code runs during a conversion (the exact builtin types only), so the containers cannot change under
 * it; items are borrowed from their containers, which their parents keep alive.
 */
final class PyContainers {
    /**
     * How deep a tuple may nest inside a dict key or set element: such a key becomes nested Java lists, which Java
     * hashes recursively (on the calling thread's stack) when it is put into a map.
     */
    static final int MAX_KEY_DEPTH = 1_000;

    private final InterpreterImpl interpreter;
    /** Every container converted (or being converted), by address. */
    private final Map<Long, Object> seen = new HashMap<>();
    private final ArrayDeque<Frame> stack = new ArrayDeque<>();
    /** Out-parameters of {@code PyDict_Next}; created on the first dict, closed at the end. */
    private Arena arena;

    private PyContainers(InterpreterImpl interpreter) {
        this.interpreter = interpreter;
    }

    /** The Java value of {@code root}, a container of kind {@code kind} (a borrowed reference). */
    static Object convert(InterpreterImpl interpreter, MemorySegment root, Kind kind) {
        return new PyContainers(interpreter).run(root, kind);
    }

    private Object run(MemorySegment root, Kind kind) {
        try {
            push(root, kind);
            while (true) {
                Frame top = stack.peek();
                MemorySegment item = top.next();
                if (item == null) {
                    stack.pop();
                    Object done = top.finish();
                    if (stack.isEmpty()) {
                        return done;
                    }
                    stack.peek().place(done);
                    continue;
                }
                Kind itemKind = PyTypes.kindOf(item);
                if (!isContainer(itemKind)) {
                    top.place(ToJava.leaf(interpreter, item, itemKind));
                } else if (seen.containsKey(item.address())) {
                    top.place(seen.get(item.address()));
                } else {
                    push(item, itemKind);
                }
            }
        } finally {
            while (!stack.isEmpty()) {
                stack.pop().finishQuietly();
            }
            if (arena != null) {
                arena.close();
            }
        }
    }

    static boolean isContainer(Kind kind) {
        return kind == Kind.LIST || kind == Kind.TUPLE || kind == Kind.DICT || kind == Kind.SET
                || kind == Kind.FROZENSET;
    }

    private void push(MemorySegment o, Kind kind) {
        Frame frame = switch (kind) {
            case LIST -> new ListFrame(o);
            case TUPLE -> new TupleFrame(o);
            case DICT -> new DictFrame(o);
            default -> new SetFrame(o);
        };
        seen.put(o.address(), frame.target());
        stack.push(frame);
    }

    /**
     * A value as a Java key: tuples (Java arrays, compared by identity) become unmodifiable lists, nested ones
     * too, down to {@link #MAX_KEY_DEPTH}.
     */
    static Object keyOf(Object value) {
        return keyOf(value, 0);
    }

    private static Object keyOf(Object value, int depth) {
        if (!(value instanceof Object[] array)) {
            return value;
        }
        if (depth >= MAX_KEY_DEPTH) {
            throw Failures.keyTooDeep(MAX_KEY_DEPTH);
        }
        Object[] items = new Object[array.length];
        for (int i = 0; i < array.length; i++) {
            items[i] = keyOf(array[i], depth + 1);
        }
        return Collections.unmodifiableList(Arrays.asList(items));
    }

    /** One container being converted. */
    private abstract static class Frame {
        /** The Java container, created before its elements so that cycles back to it find it. */
        abstract Object target();

        /** The next item (borrowed), or null when every item was taken. */
        abstract MemorySegment next();

        /** Takes the Java value of the item {@link #next()} returned. */
        abstract void place(Object value);

        /** The Java container, complete. */
        Object finish() {
            return target();
        }

        /** Releases what the frame holds, after a failure or at the end; never throws. */
        void finishQuietly() {}
    }

    private static final class ListFrame extends Frame {
        private final MemorySegment list;
        private final List<Object> target;
        private long index;

        ListFrame(MemorySegment list) {
            this.list = list;
            this.target = new ArrayList<>((int) Math.min(Integer.MAX_VALUE - 8, CApi.PyList_Size(list)));
        }

        @Override
        Object target() {
            return target;
        }

        @Override
        MemorySegment next() {
            return index < CApi.PyList_Size(list) ? CApi.PyList_GetItem(list, index++) : null;
        }

        @Override
        void place(Object value) {
            target.add(value);
        }
    }

    private static final class TupleFrame extends Frame {
        private final MemorySegment tuple;
        private final Object[] target;
        private int index;

        TupleFrame(MemorySegment tuple) {
            this.tuple = tuple;
            this.target = new Object[(int) CApi.PyTuple_Size(tuple)];
        }

        @Override
        Object target() {
            return target;
        }

        @Override
        MemorySegment next() {
            return index < target.length ? CApi.PyTuple_GetItem(tuple, index) : null;
        }

        @Override
        void place(Object value) {
            target[index++] = value;
        }
    }

    private final class DictFrame extends Frame {
        private final MemorySegment dict;
        private final Map<Object, Object> target = new LinkedHashMap<>();
        private final MemorySegment position;
        private final MemorySegment key;
        private final MemorySegment value;
        private Object pendingKey;
        private boolean valueNext;
        private boolean keyPlaced;

        DictFrame(MemorySegment dict) {
            this.dict = dict;
            if (arena == null) {
                arena = Arena.ofConfined();
            }
            this.position = arena.allocate(JAVA_LONG);
            this.key = arena.allocate(ADDRESS);
            this.value = arena.allocate(ADDRESS);
        }

        @Override
        Object target() {
            return target;
        }

        @Override
        MemorySegment next() {
            if (valueNext) {
                valueNext = false;
                return value.get(ADDRESS, 0);
            }
            if (CApi.PyDict_Next(dict, position, key, value) == 0) {
                return null;
            }
            valueNext = true;
            keyPlaced = false;
            return key.get(ADDRESS, 0);
        }

        @Override
        void place(Object converted) {
            if (!keyPlaced) {
                pendingKey = keyOf(converted);
                keyPlaced = true;
            } else {
                target.put(pendingKey, converted);
            }
        }
    }

    private final class SetFrame extends Frame {
        private final Set<Object> target = new LinkedHashSet<>();
        private MemorySegment iterator;

        SetFrame(MemorySegment set) {
            iterator = CApi.PyObject_GetIter(set);
            if (iterator.equals(MemorySegment.NULL)) {
                throw Errors.fetch(interpreter);
            }
        }

        @Override
        Object target() {
            return target;
        }

        @Override
        MemorySegment next() {
            MemorySegment item = CApi.PyIter_Next(iterator);
            if (item.equals(MemorySegment.NULL)) {
                if (!CApi.PyErr_Occurred().equals(MemorySegment.NULL)) {
                    throw Errors.fetch(interpreter);
                }
                return null;
            }
            // The set still holds the item, and nothing changes the set during a conversion: borrow it.
            CApi.Py_DecRef(item);
            return item;
        }

        @Override
        void place(Object value) {
            target.add(keyOf(value));
        }

        @Override
        Object finish() {
            finishQuietly();
            return target;
        }

        @Override
        void finishQuietly() {
            if (iterator != null) {
                CApi.Py_DecRef(iterator);
                iterator = null;
            }
        }
    }
}
