package dev.tether.internal.bridge;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Array;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Converts nested Java collections, maps and arrays to Python lists, dicts, sets and tuples with an explicit stack
 * instead of recursion, so depth is bounded by memory only (a {@code List} nested 100 000 deep converts; recursion
 * would overflow the Java stack).
 *
 * <p>A collection or map that contains itself becomes a Python container that contains itself. A cycle through an
 * array is refused: a tuple is immutable, so it cannot be shared before it is complete. Each element is placed into
 * its parent once it is complete, so nothing incomplete is ever hashed (a dict key, a set element).
 *
 * <p>Ownership: every container being built belongs to its frame until it is placed into its parent (which steals
 * the reference) or returned; after a failure each frame still on the stack drops what it owns.
 */
final class JavaContainers {
    private final InterpreterImpl interpreter;
    /** The containers being converted, by identity: where a cycle back to them finds their Python object. */
    private final IdentityHashMap<Object, Frame> open = new IdentityHashMap<>();
    private final ArrayDeque<Frame> stack = new ArrayDeque<>();

    private JavaContainers(InterpreterImpl interpreter) {
        this.interpreter = interpreter;
    }

    /** A new reference to the Python container of {@code root} (a collection, a map or an array). */
    static MemorySegment convert(InterpreterImpl interpreter, Object root) {
        return new JavaContainers(interpreter).run(root);
    }

    private MemorySegment run(Object root) {
        push(root);
        try {
            while (true) {
                Frame top = stack.peek();
                if (!top.hasNext()) {
                    stack.pop();
                    open.remove(top.source);
                    MemorySegment done = top.finish();
                    if (stack.isEmpty()) {
                        return done;
                    }
                    stack.peek().place(done);
                    continue;
                }
                Object element = top.next();
                MemorySegment leaf = ToPython.leaf(interpreter, element);
                if (leaf != null) {
                    top.place(leaf);
                } else if (open.containsKey(element)) {
                    top.place(open.get(element).shared());
                } else {
                    push(element);
                }
            }
        } catch (RuntimeException | Error e) {
            while (!stack.isEmpty()) {
                stack.pop().abandon();
            }
            throw e;
        }
    }

    private void push(Object value) {
        Frame frame = switch (value) {
            case Map<?, ?> map -> new DictFrame(map, map.entrySet().iterator());
            case Set<?> set -> new SetFrame(set);
            case Collection<?> collection -> new ListFrame(collection);
            default -> new TupleFrame(value);
        };
        open.put(value, frame);
        stack.push(frame);
    }

    /** One container being converted. */
    private abstract class Frame {
        final Object source;

        Frame(Object source) {
            this.source = source;
        }

        abstract boolean hasNext();

        /** The next Java element (for a map: a key, then its value). */
        abstract Object next();

        /** Takes the new reference converted from the element {@link #next()} returned, also when it throws. */
        abstract void place(MemorySegment item);

        /** The finished container, a new reference that passes to the caller. */
        abstract MemorySegment finish();

        /** A new reference to this container while it is being built, for a cycle back to it. */
        abstract MemorySegment shared();

        /** Drops whatever this frame owns, after a failure. */
        abstract void abandon();
    }

    /** A {@code Collection} (not a {@code Set}) to a {@code list} of the size it had when conversion began. */
    private final class ListFrame extends Frame {
        private final Iterator<?> elements;
        private final int size;
        private final MemorySegment list;
        private int index;

        ListFrame(Collection<?> collection) {
            super(collection);
            this.size = collection.size();
            this.list = ToPython.check(CApi.PyList_New(size));
            this.elements = collection.iterator();
        }

        @Override
        boolean hasNext() {
            return elements.hasNext();
        }

        @Override
        Object next() {
            if (index >= size) {
                throw Failures.collectionResized("grew");
            }
            return elements.next();
        }

        @Override
        void place(MemorySegment item) {
            CApi.PyList_SetItem(list, index++, item);
        }

        @Override
        MemorySegment finish() {
            if (index != size) {
                CApi.Py_DecRef(list);
                throw Failures.collectionResized("shrank");
            }
            return list;
        }

        @Override
        MemorySegment shared() {
            return PyTypes.newRef(list);
        }

        @Override
        void abandon() {
            CApi.Py_DecRef(list); // slots not yet filled are NULL, which list deallocation skips
        }
    }

    /** An array (primitive or not) to a {@code tuple}, created once every element is converted. */
    private final class TupleFrame extends Frame {
        private final MemorySegment[] items;
        private int index;

        TupleFrame(Object array) {
            super(array);
            this.items = new MemorySegment[Array.getLength(array)];
        }

        @Override
        boolean hasNext() {
            return index < items.length;
        }

        @Override
        Object next() {
            return Array.get(source, index);
        }

        @Override
        void place(MemorySegment item) {
            items[index++] = item;
        }

        @Override
        MemorySegment finish() {
            MemorySegment tuple = CApi.PyTuple_New(items.length);
            if (tuple.equals(MemorySegment.NULL)) {
                abandon();
                return ToPython.check(tuple);
            }
            for (int i = 0; i < items.length; i++) {
                CApi.PyTuple_SetItem(tuple, i, items[i]);
            }
            return tuple;
        }

        @Override
        MemorySegment shared() {
            throw Failures.cyclicArray(source.getClass());
        }

        @Override
        void abandon() {
            for (int i = 0; i < index; i++) {
                CApi.Py_DecRef(items[i]);
            }
        }
    }

    /** A {@code Set} to a {@code set}; every element must convert to a hashable value. */
    private final class SetFrame extends Frame {
        private final Iterator<?> elements;
        private final MemorySegment set;
        private Object element;

        SetFrame(Set<?> source) {
            super(source);
            this.set = ToPython.check(CApi.PySet_New(MemorySegment.NULL));
            this.elements = source.iterator();
        }

        @Override
        boolean hasNext() {
            return elements.hasNext();
        }

        @Override
        Object next() {
            element = elements.next();
            return element;
        }

        @Override
        void place(MemorySegment item) {
            int rc = CApi.PySet_Add(set, item);
            CApi.Py_DecRef(item);
            if (rc < 0) {
                throw Failures.unhashable(element, "set element", Errors.pendingMessage(interpreter));
            }
        }

        @Override
        MemorySegment finish() {
            return set;
        }

        @Override
        MemorySegment shared() {
            return PyTypes.newRef(set);
        }

        @Override
        void abandon() {
            CApi.Py_DecRef(set);
        }
    }

    /** A {@code Map} to a {@code dict}; every key must convert to a hashable value. */
    private final class DictFrame extends Frame {
        private final Iterator<? extends Map.Entry<?, ?>> entries;
        private final MemorySegment dict;
        private Map.Entry<?, ?> entry;
        /** The converted key of {@link #entry} once placed, until its value is placed; owned. */
        private MemorySegment key;
        private boolean valueNext;

        DictFrame(Map<?, ?> source, Iterator<? extends Map.Entry<?, ?>> entries) {
            super(source);
            this.dict = ToPython.check(CApi.PyDict_New());
            this.entries = entries;
        }

        @Override
        boolean hasNext() {
            return valueNext || entries.hasNext();
        }

        @Override
        Object next() {
            if (valueNext) {
                valueNext = false;
                return entry.getValue();
            }
            entry = entries.next();
            valueNext = true;
            return entry.getKey();
        }

        @Override
        void place(MemorySegment item) {
            if (key == null) {
                key = item;
                return;
            }
            int rc = CApi.PyDict_SetItem(dict, key, item);
            CApi.Py_DecRef(key);
            CApi.Py_DecRef(item);
            key = null;
            if (rc < 0) {
                throw Failures.unhashable(entry.getKey(), "dict key", Errors.pendingMessage(interpreter));
            }
        }

        @Override
        MemorySegment finish() {
            return dict;
        }

        @Override
        MemorySegment shared() {
            return PyTypes.newRef(dict);
        }

        @Override
        void abandon() {
            if (key != null) {
                CApi.Py_DecRef(key);
            }
            CApi.Py_DecRef(dict);
        }
    }
}
