package dev.tether;

import dev.tether.internal.bridge.Buffers;
import dev.tether.internal.bridge.PyOps;
import dev.tether.internal.bridge.Ref;
import java.lang.ref.Cleaner;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * A strong reference to a Python object, owned by the interpreter that created it.
 *
 * {@snippet class=dev.tether.snippets.ApiSnippets region=objects}
 *
 * <h2 id="thread-safety">Thread safety</h2>
 * Every method may be called from any platform or virtual thread. A thread attached to the object's interpreter
 * runs the operation directly; a thread attached to no interpreter attaches for the duration of the operation; a
 * thread attached to another interpreter is refused with {@link ErrorCode#WRONG_INTERPRETER} (objects never cross
 * interpreters: convert them to Java values instead).
 *
 * <h2 id="lifecycle">Lifecycle</h2>
 * <ul>
 *   <li>The reference lives until {@link #close()} or until the object becomes unreachable in Java, whichever comes
 *       first. A forgotten object is reclaimed by a {@link Cleaner} that never touches Python itself: it queues the
 *       reference, which is dropped at the next attachment to the interpreter, or when the interpreter ends.</li>
 *   <li>A close concurrent with a call on another thread waits for nothing: the reference is dropped when the call
 *       ends.</li>
 *   <li>Results that are Python objects are new objects: close them, or let the Cleaner reclaim them.</li>
 * </ul>
 *
 * <h2 id="conversions">Conversions</h2>
 * Java values passed in and Python values coming out convert by one table, kept in the user guide
 * ({@code docs/guide.md}, "Conversion table"): {@code None}, {@code bool}, {@code int}, {@code float}, {@code str},
 * {@code bytes} become {@code null}, {@link Boolean}, {@link Long} (or {@link java.math.BigInteger}), {@link Double},
 * {@link String}, {@code byte[]}; lists, tuples, dicts and sets become {@code ArrayList}, {@code Object[]},
 * {@code LinkedHashMap} and {@code LinkedHashSet}, at any depth; anything else stays a {@code PyObject}.
 * {@link #as(Class)} converts to a requested type strictly: an int too large for {@code Integer} is an error,
 * never a silent wrap.
 *
 * <h2 id="errors">Errors</h2>
 * A Python exception raised by an operation is thrown as a {@link PythonException} (no Python error is left set);
 * a value that does not convert, as a {@link ConversionException}. Using a closed object throws
 * {@link ErrorCode#ALREADY_RELEASED}, an object of a closed interpreter {@link ErrorCode#INTERPRETER_CLOSED}, an
 * object while attached to another interpreter {@link ErrorCode#WRONG_INTERPRETER}; none ever crashes.
 *
 * <h2 id="equality">Equality</h2>
 * {@link #equals} and {@link #hashCode} follow Python's {@code ==} and {@code hash()} for hashable objects (numbers,
 * strings, tuples of them...), where both agree; mutable objects (lists, dicts...) compare by identity.
 */
public final class PyObject implements AutoCloseable, Iterable<PyObject> {
    private static final Cleaner CLEANER = Cleaner.create(
            Thread.ofPlatform().daemon().name("tether-cleaner").factory());

    private final Ref ref;
    private final Cleaner.Cleanable cleanable;
    /** Python's hash once computed (stable afterwards, even after the interpreter closed). */
    private volatile Long hash;

    private PyObject(Ref ref) {
        this.ref = ref;
        this.cleanable = CLEANER.register(this, ref);
    }

    /** A new public object owning {@code ref}; null for null. */
    static PyObject of(Ref ref) {
        return ref == null ? null : new PyObject(ref);
    }

    /** The reference this object stands on. */
    Ref ref() {
        return ref;
    }

    /** The interpreter that owns this object. */
    public Interpreter interpreter() {
        return Interpreter.of(PyOps.interpreter(ref));
    }

    /** {@code getattr(self, name)}. */
    public PyObject getAttr(String name) {
        return of(PyOps.getAttr(ref, Objects.requireNonNull(name, "name")));
    }

    /** {@code setattr(self, name, value)}, converting {@code value}. */
    public void setAttr(String name, Object value) {
        PyOps.setAttr(ref, Objects.requireNonNull(name, "name"), value);
    }

    /** {@code delattr(self, name)}. */
    public void delAttr(String name) {
        PyOps.delAttr(ref, Objects.requireNonNull(name, "name"));
    }

    /** {@code hasattr(self, name)}. */
    public boolean hasAttr(String name) {
        return PyOps.hasAttr(ref, Objects.requireNonNull(name, "name"));
    }

    /** {@code self(*args)}, converting the arguments; returns the result as a new object. */
    public PyObject call(Object... args) {
        return of(PyOps.call(ref, Objects.requireNonNull(args, "args"), null));
    }

    /** {@code self(*args, **kwargs)}, converting the arguments. */
    public PyObject call(List<?> args, Map<String, ?> kwargs) {
        return of(PyOps.call(ref, Objects.requireNonNull(args, "args").toArray(),
                Objects.requireNonNull(kwargs, "kwargs")));
    }

    /**
     * {@code self(*args)} with the result converted to Java as by {@link #toJava()}: the cheapest way to call a
     * function that returns a simple value.
     */
    public Object invoke(Object... args) {
        return PyOps.callToJava(ref, Objects.requireNonNull(args, "args"), null);
    }

    /** {@code self.name(*args)}. */
    public PyObject callMethod(String name, Object... args) {
        return of(PyOps.callMethod(ref, Objects.requireNonNull(name, "name"),
                Objects.requireNonNull(args, "args"), null));
    }

    /** {@code self.name(*args, **kwargs)}. */
    public PyObject callMethod(String name, List<?> args, Map<String, ?> kwargs) {
        return of(PyOps.callMethod(ref, Objects.requireNonNull(name, "name"),
                Objects.requireNonNull(args, "args").toArray(), Objects.requireNonNull(kwargs, "kwargs")));
    }

    /** {@code self[key]}. */
    public PyObject getItem(Object key) {
        return of(PyOps.getItem(ref, key));
    }

    /** {@code self[key] = value}. */
    public void setItem(Object key, Object value) {
        PyOps.setItem(ref, key, value);
    }

    /** {@code del self[key]}. */
    public void delItem(Object key) {
        PyOps.delItem(ref, key);
    }

    /** {@code len(self)}. */
    public long len() {
        return PyOps.len(ref);
    }

    /**
     * Iterates {@code iter(self)}. Each item is a new object (close it, or let it be reclaimed). The returned
     * iterator holds a Python iterator until it is exhausted or {@linkplain PyIterator#close() closed}.
     */
    @Override
    public PyIterator iterator() {
        return new PyIterator(of(PyOps.iter(ref)));
    }

    /** {@code repr(self)}. */
    public String repr() {
        return PyOps.repr(ref);
    }

    /** {@code str(self)}. */
    public String str() {
        return PyOps.str(ref);
    }

    /** Whether this is {@code None} (no thread state needed). */
    public boolean isNone() {
        return PyOps.isNone(ref);
    }

    /** The Python type name, qualified with the module unless builtin ({@code "int"}, {@code "decimal.Decimal"}). */
    public String typeName() {
        return PyOps.typeName(ref);
    }

    /** The Java value, per the <a href="#conversions">conversion table</a>; other types as a new PyObject. */
    public Object toJava() {
        return PyOps.toJava(ref);
    }

    /**
     * The Java value as {@code type}: {@code Long}, {@code Integer}, {@code Short}, {@code Byte} (range-checked),
     * {@code BigInteger}, {@code Double}, {@code Float}, {@code Boolean}, {@code String}, {@code Character},
     * {@code byte[]}, {@code List}, {@code Set}, {@code Map}, {@code Object[]}, {@code Object}, {@code PyObject}, or
     * their primitive types; or, for a proxy, live view or Java buffer, the Java object behind it (any type it is an
     * instance of).
     *
     * @throws ConversionException if the value is of another kind or does not fit
     */
    public <T> T as(Class<T> type) {
        return PyOps.as(ref, Objects.requireNonNull(type, "type"));
    }

    /**
     * Exports this bytes-like object's memory without copying (the buffer protocol).
     *
     * @throws PythonException if the object does not support the buffer protocol
     */
    public PyBuffer buffer() {
        return new PyBuffer(Buffers.export(ref));
    }

    /** Whether {@link #close()} was called (or the Cleaner reclaimed this object). */
    public boolean isClosed() {
        return ref.isClosed();
    }

    /**
     * Releases the reference. Idempotent; may be called from any thread, attached or not, also after the
     * interpreter closed (then it does nothing: CPython freed everything). Never blocks.
     */
    @Override
    public void close() {
        ref.close();
        cleanable.clean();
    }

    /** Python {@code ==} for hashable objects, identity otherwise; see <a href="#equality">Equality</a>. */
    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof PyObject that) || PyOps.interpreter(ref) != PyOps.interpreter(that.ref)) {
            return false;
        }
        if (PyOps.address(ref) == PyOps.address(that.ref)) {
            return true;
        }
        try {
            Long mine = pythonHash();
            Long theirs = that.pythonHash();
            return mine != null && theirs != null && mine.equals(theirs) && PyOps.pythonEquals(ref, that.ref);
        } catch (ThreadStateException e) {
            return false;
        }
    }

    /** Python's {@code hash()} for hashable objects, identity otherwise. */
    @Override
    public int hashCode() {
        try {
            Long h = pythonHash();
            return h != null ? Long.hashCode(h) : Long.hashCode(PyOps.address(ref));
        } catch (ThreadStateException e) {
            return Long.hashCode(PyOps.address(ref));
        }
    }

    /** {@code str(self)} when the object is usable; otherwise a description that needs no Python. */
    @Override
    public String toString() {
        try {
            return str();
        } catch (RuntimeException e) {
            return "PyObject[" + (isClosed() ? "closed" : "unavailable: " + e.getMessage()) + "]";
        }
    }

    private Long pythonHash() {
        Long h = hash;
        if (h == null) {
            h = PyOps.hash(ref);
            if (h == null) {
                return null;
            }
            hash = h;
        }
        return h;
    }

    /**
     * An iterator over a Python iterable, holding a Python iterator: closed when exhausted, or explicitly.
     */
    public static final class PyIterator implements Iterator<PyObject>, AutoCloseable {
        private final PyObject iterator;
        private PyObject next;
        private boolean done;

        private PyIterator(PyObject iterator) {
            this.iterator = iterator;
        }

        @Override
        public boolean hasNext() {
            if (next == null && !done) {
                next = of(PyOps.next(iterator.ref));
                if (next == null) {
                    close();
                }
            }
            return next != null;
        }

        @Override
        public PyObject next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            PyObject item = next;
            next = null;
            return item;
        }

        /** Releases the Python iterator (and an item fetched by {@link #hasNext()} but not taken). */
        @Override
        public void close() {
            done = true;
            iterator.close();
            if (next != null) {
                next.close();
                next = null;
            }
        }
    }
}
