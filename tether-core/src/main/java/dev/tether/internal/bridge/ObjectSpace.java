package dev.tether.internal.bridge;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.InterpreterImpl;
import dev.tether.internal.protocol.Slot;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Java objects of one interpreter: the proxies and live views Python holds, the Python classes made for Java
 * classes, and the policy that decides what Python may reach on them. Kept in a {@link Slot} of the interpreter,
 * created when Tether sets up the interpreter and closed just before it ends.
 *
 * <h2>Identity and lifetime</h2>
 * <ul>
 *   <li>Each proxy (or view) is registered by its address, with a weak reference whose callback (a Java function)
 *       unregisters it while CPython deallocates it, before its memory can be reused: so a registered address is
 *       always a live proxy, whatever Python code does to the object (it cannot reach the weak reference).</li>
 *   <li>The same Java object gets the same proxy while the proxy lives ({@link #proxies}); the registration holds
 *       the Java object strongly, so a proxy keeps its object alive; after the proxy dies the object can be
 *       collected.</li>
 *   <li>{@link #close} (the interpreter is ending) forgets every registration: the Java objects are released even
 *       if CPython never frees the proxies; later calls on them raise in Python.</li>
 * </ul>
 * Every method requires a thread state of the interpreter attached. The tables are concurrent maps because a
 * subinterpreter's own GIL is not Java's lock; the identity maps are guarded by {@code this} (held only for map
 * operations, never across a call into Python).
 */
final class ObjectSpace {
    private static final Slot<ObjectSpace> SLOT = Slot.of(ObjectSpace.class, "Java objects in Python");
    /** The policy of interpreters that were not given one; the runtime sets it once as it starts. */
    private static volatile HostPolicy runtimePolicy;

    /** What a registration stands for. */
    enum Kind { PROXY, LIST, MAP, SET, COLLECTION, ITERABLE, ITERATOR }

    /** One proxy or view alive in Python. */
    static final class Entry {
        final Object target;
        final Kind kind;
        final boolean readOnly;
        /** The member table of a proxy's class; null for views. */
        final HostClass table;
        final long proxy;
        /** The weak reference to the proxy (a new reference owned here). */
        MemorySegment weakref;

        Entry(Object target, Kind kind, boolean readOnly, HostClass table, long proxy) {
            this.target = target;
            this.kind = kind;
            this.readOnly = readOnly;
            this.table = table;
            this.proxy = proxy;
        }
    }

    final InterpreterImpl interpreter;
    private volatile HostPolicy policy;
    private volatile boolean closed;
    /** New references owned until {@link #close}. */
    private final MemorySegment module;
    private final MemorySegment hostAccessError;
    private final MemorySegment weakrefCallback;
    private final Map<Kind, MemorySegment> viewTypes = new LinkedHashMap<>();
    /** Set before the space is published in the slot. */
    private MemorySegment bufferType = MemorySegment.NULL;
    /** Registered proxies and views by address, and by the address of their weak reference. */
    private final ConcurrentHashMap<Long, Entry> byAddress = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Entry> byWeakref = new ConcurrentHashMap<>();
    /** The live proxy (and view) of each Java object, by identity. Guarded by {@code this}. */
    private final IdentityHashMap<Object, Entry> proxies = new IdentityHashMap<>();
    private final IdentityHashMap<Object, Entry> views = new IdentityHashMap<>();
    /** Python classes of Java classes (new references), and back. */
    private final ConcurrentHashMap<Class<?>, MemorySegment> types = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Class<?>> classes = new ConcurrentHashMap<>();
    /** The live exporter of each Java array or segment view ({@code [address, readOnly]}). Guarded by {@code this}. */
    private final IdentityHashMap<Object, long[]> buffers = new IdentityHashMap<>();
    /** Weak references whose proxy died, to release outside their own callback. Guarded by {@code this}. */
    private final List<MemorySegment> dead = new ArrayList<>();

    private ObjectSpace(InterpreterImpl interpreter, MemorySegment module) {
        this.interpreter = interpreter;
        this.module = module;
        this.hostAccessError = attribute(module, "HostAccessError");
        this.weakrefCallback = HostCalls.function(interpreter, "proxy died", false, (args, n) -> {
            died(HostCalls.arg(args, 0));
            return PyTypes.newRef(CApi.Py_None);
        });
        viewTypes.put(Kind.LIST, attribute(module, "JavaList"));
        viewTypes.put(Kind.MAP, attribute(module, "JavaMap"));
        viewTypes.put(Kind.SET, attribute(module, "JavaSet"));
        viewTypes.put(Kind.COLLECTION, attribute(module, "JavaCollection"));
        viewTypes.put(Kind.ITERABLE, attribute(module, "JavaIterable"));
        viewTypes.put(Kind.ITERATOR, attribute(module, "JavaIterator"));
    }

    /** The runtime's policy, set once as it starts (before any interpreter exists). */
    static void runtimePolicy(HostPolicy policy) {
        runtimePolicy = policy;
    }

    /** Sets up Java objects in a new interpreter, whose helpers ({@code module}) were just installed. */
    static void install(InterpreterImpl interpreter, MemorySegment module) {
        ObjectSpace space = new ObjectSpace(interpreter, module);
        space.installFunctions();
        space.bufferType = JavaBuffers.newType(interpreter);
        interpreter.set(SLOT, space); // published complete (the slot's array is a volatile store)
    }

    /** The space of {@code interpreter}; throws (raised in Python by the callers) once it is closing. */
    static ObjectSpace of(InterpreterImpl interpreter) {
        ObjectSpace space = interpreter.get(SLOT);
        if (space == null || space.closed) {
            throw new IllegalStateException(Failures.spaceClosed(interpreter));
        }
        return space;
    }

    /** The space of {@code interpreter}, or null once it is closing. */
    static ObjectSpace orNull(InterpreterImpl interpreter) {
        ObjectSpace space = interpreter.get(SLOT);
        return space == null || space.closed ? null : space;
    }

    /** Uses {@code policy} for this interpreter instead of the runtime's (before it receives any object). */
    static void policy(InterpreterImpl interpreter, HostPolicy policy) {
        of(interpreter).policy = Objects.requireNonNull(policy, "policy");
    }

    boolean isClosed() {
        return closed;
    }

    HostPolicy policy() {
        HostPolicy p = policy;
        return p != null ? p : runtimePolicy;
    }

    /** The support module's {@code HostAccessError}, or {@code AttributeError} once the space is gone. */
    static MemorySegment hostAccessErrorType(InterpreterImpl interpreter) {
        ObjectSpace space = orNull(interpreter);
        return space == null ? CApi.PyExc_AttributeError : space.hostAccessError;
    }

    MemorySegment bufferType() {
        return bufferType;
    }

    // ---- proxies ----------------------------------------------------------------------------------------------

    /**
     * A new reference to the proxy of {@code target} (a Java object without a row in the conversion table): the
     * live one if there is one, else a new one of its class's Python class.
     *
     * @throws dev.tether.ConversionException if the policy admits no objects ({@code HostAccess.NONE})
     */
    static MemorySegment wrap(InterpreterImpl interpreter, Object target) {
        ObjectSpace space = of(interpreter);
        HostPolicy policy = space.policy();
        if (policy == null || !policy.admitsObjects()) {
            throw Failures.hostObjectRefused(target.getClass(), policy == null ? "HostAccess.NONE" : policy.name());
        }
        return space.proxy(target, policy.table(target.getClass()));
    }

    private MemorySegment proxy(Object target, HostClass table) {
        MemorySegment live = live(proxies, target, false);
        if (live != null) {
            return live;
        }
        return register(proxies, target, Kind.PROXY, false, table, typeOf(table));
    }

    /** A new reference to a live view of {@code target} (see {@code ThreadState.view}). */
    static MemorySegment view(InterpreterImpl interpreter, Object target, boolean readOnly) {
        ObjectSpace space = of(interpreter);
        Kind kind = switch (target) {
            case java.util.List<?> l -> Kind.LIST;
            case Map<?, ?> m -> Kind.MAP;
            case Set<?> s -> Kind.SET;
            case java.util.Collection<?> c -> Kind.COLLECTION;
            case Iterator<?> i -> Kind.ITERATOR;
            case Iterable<?> i -> Kind.ITERABLE;
            default -> null;
        };
        if (kind == null) {
            return space.buffer(target, readOnly);
        }
        MemorySegment live = space.live(space.views, target, readOnly);
        if (live != null) {
            return live;
        }
        return space.register(space.views, target, kind, readOnly, null, space.viewTypes.get(kind));
    }

    /** A new reference to the live exporter of an array or segment, or a new one. */
    private MemorySegment buffer(Object target, boolean readOnly) {
        synchronized (this) {
            long[] live = buffers.get(target);
            if (live != null && (live[1] != 0) == readOnly) {
                MemorySegment exporter = MemorySegment.ofAddress(live[0]);
                CApi.Py_IncRef(exporter); // alive: its deallocation forgets it first
                return exporter;
            }
        }
        MemorySegment exporter = JavaBuffers.exportJava(interpreter, target, readOnly);
        if (exporter == null) {
            throw Failures.noViewFor(target.getClass());
        }
        synchronized (this) {
            buffers.putIfAbsent(target, new long[] {exporter.address(), readOnly ? 1 : 0});
        }
        return exporter;
    }

    /** An exporter of {@code target} at {@code address} is being deallocated. */
    void forgetBuffer(Object target, long address) {
        synchronized (this) {
            long[] live = buffers.get(target);
            if (live != null && live[0] == address) {
                buffers.remove(target);
            }
        }
    }

    /** The Java object behind {@code o} if it is a live proxy, view or Java buffer of this interpreter, else null. */
    static Object unwrap(InterpreterImpl interpreter, MemorySegment o) {
        ObjectSpace space = interpreter.get(SLOT);
        if (space != null) {
            Entry e = space.byAddress.get(o.address());
            if (e != null) {
                return e.target;
            }
        }
        return JavaBuffers.target(o);
    }

    /** The registration of {@code o}, or null if it is not a live proxy or view of this interpreter. */
    Entry entry(MemorySegment o) {
        return byAddress.get(o.address());
    }

    /** The Java class a Python class made here stands for, or null. */
    Class<?> javaClassOf(MemorySegment pythonType) {
        return classes.get(pythonType.address());
    }

    /** A new reference to the live proxy (or view) of {@code target}, or null. */
    private MemorySegment live(IdentityHashMap<Object, Entry> map, Object target, boolean readOnly) {
        synchronized (this) {
            releaseDead();
            Entry e = map.get(target);
            if (e == null || e.readOnly != readOnly) {
                return null;
            }
            MemorySegment proxy = MemorySegment.ofAddress(e.proxy);
            CApi.Py_IncRef(proxy); // alive: it is registered (see the class comment)
            return proxy;
        }
    }

    /**
     * Makes and registers a new proxy or view.
     *
     * <ol>
     *   <li>Allocate the instance with {@code PyType_GenericAlloc}: no Python code runs (F-GENERICALLOC-NO-CODE).</li>
     *   <li>Take a weak reference to it with the unregistering callback.</li>
     *   <li>Register it by address and weak reference, and as the live one of {@code target} unless a thread
     *       raced us there (then ours stays registered, without identity).</li>
     * </ol>
     */
    private MemorySegment register(IdentityHashMap<Object, Entry> map, Object target, Kind kind, boolean readOnly,
                                   HostClass table, MemorySegment type) {
        MemorySegment proxy = CApi.PyType_GenericAlloc(type, 0);
        if (proxy.equals(MemorySegment.NULL)) {
            throw Errors.fetch(interpreter);
        }
        MemorySegment weakref = CApi.PyWeakref_NewRef(proxy, weakrefCallback);
        if (weakref.equals(MemorySegment.NULL)) {
            CApi.Py_DecRef(proxy);
            throw Errors.fetch(interpreter);
        }
        Entry entry = new Entry(target, kind, readOnly, table, proxy.address());
        entry.weakref = weakref;
        byAddress.put(proxy.address(), entry);
        byWeakref.put(weakref.address(), entry);
        synchronized (this) {
            Entry other = map.get(target);
            if (other == null || other.readOnly != readOnly) {
                map.put(target, entry);
            }
        }
        return proxy;
    }

    /** The weak reference's callback: {@code wr}'s proxy is being deallocated (F-WEAKREF-CALLBACK); no Python. */
    private void died(MemorySegment wr) {
        Entry e = byWeakref.remove(wr.address());
        if (e == null) {
            return;
        }
        byAddress.remove(e.proxy, e);
        synchronized (this) {
            (e.kind == Kind.PROXY ? proxies : views).remove(e.target, e);
            releaseDead();
            // CPython is inside this weak reference's callback: it is released at the next chance, not here.
            dead.add(e.weakref);
        }
    }

    private void releaseDead() {
        for (MemorySegment wr : dead) {
            CApi.Py_DecRef(wr);
        }
        dead.clear();
    }

    /** The Python class of objects of {@code table}'s class, made the first time (borrowed). */
    private MemorySegment typeOf(HostClass table) {
        MemorySegment type = types.get(table.type);
        if (type != null) {
            return type;
        }
        MemorySegment made = Proxies.makeType(this, table);
        MemorySegment raced = types.putIfAbsent(table.type, made);
        if (raced != null) {
            CApi.Py_DecRef(made); // another thread made it meanwhile (Python released the GIL): use theirs
            return raced;
        }
        classes.put(made.address(), table.type);
        return made;
    }

    // ---- setting up and closing -------------------------------------------------------------------------------

    private void installFunctions() {
        Map<String, Map<String, MemorySegment>> members = new LinkedHashMap<>();
        members.put("JavaObject", Proxies.baseMembers(this));
        members.put("JavaType", Proxies.typeMembers(this));
        Views.members(this, members);
        MemorySegment outer = ToPython.check(CApi.PyDict_New());
        try {
            for (Map.Entry<String, Map<String, MemorySegment>> e : members.entrySet()) {
                MemorySegment inner = dict(e.getValue());
                setItem(outer, e.getKey(), inner);
                CApi.Py_DecRef(inner);
            }
            CApi.Py_DecRef(callHelper("install_java", outer));
        } finally {
            CApi.Py_DecRef(outer);
            members.values().forEach(m -> m.values().forEach(CApi::Py_DecRef));
        }
    }

    /** A new dict of {@code items} (the values are borrowed, not stolen). */
    static MemorySegment dict(Map<String, MemorySegment> items) {
        MemorySegment dict = ToPython.check(CApi.PyDict_New());
        for (Map.Entry<String, MemorySegment> e : items.entrySet()) {
            setItem(dict, e.getKey(), e.getValue());
        }
        return dict;
    }

    private static void setItem(MemorySegment dict, String key, MemorySegment value) {
        try (Arena arena = Arena.ofConfined()) {
            if (CApi.PyDict_SetItemString(dict, arena.allocateFrom(key), value) < 0) {
                CApi.PyErr_Clear();
                throw Failures.pythonValueNotCreated();
            }
        }
    }

    /** Calls a helper of the support module with positional objects (borrowed); a new reference. */
    MemorySegment callHelper(String name, MemorySegment... args) {
        MemorySegment helper = attribute(module, name);
        try {
            MemorySegment tuple = ToPython.check(CApi.PyTuple_New(args.length));
            for (int i = 0; i < args.length; i++) {
                CApi.PyTuple_SetItem(tuple, i, PyTypes.newRef(args[i]));
            }
            MemorySegment result = CApi.PyObject_CallObject(helper, tuple);
            CApi.Py_DecRef(tuple);
            if (result.equals(MemorySegment.NULL)) {
                throw Errors.fetch(interpreter);
            }
            return result;
        } finally {
            CApi.Py_DecRef(helper);
        }
    }

    /**
     * Forgets every registration and drops what this space owns; called attached, just before the interpreter
     * ends. Java objects held only by proxies become collectable; proxies CPython frees later find nothing.
     */
    static void close(InterpreterImpl interpreter) {
        ObjectSpace space = interpreter.get(SLOT);
        if (space == null || space.closed) {
            return;
        }
        space.closed = true;
        synchronized (space) {
            space.releaseDead();
            space.proxies.clear();
            space.views.clear();
            space.buffers.clear();
        }
        for (Entry e : space.byAddress.values()) {
            CApi.Py_DecRef(e.weakref); // the proxy lives on without its weak reference: no callback comes
        }
        space.byAddress.clear();
        space.byWeakref.clear();
        space.types.values().forEach(CApi::Py_DecRef);
        space.types.clear();
        space.classes.clear();
        space.viewTypes.values().forEach(CApi::Py_DecRef);
        if (!space.bufferType.equals(MemorySegment.NULL)) {
            CApi.Py_DecRef(space.bufferType);
        }
        CApi.Py_DecRef(space.hostAccessError);
        CApi.Py_DecRef(space.weakrefCallback);
    }

    /** How many proxies and views are registered (tests and diagnostics). */
    static int live(InterpreterImpl interpreter) {
        ObjectSpace space = orNull(interpreter);
        return space == null ? 0 : space.byAddress.size();
    }

    private static MemorySegment attribute(MemorySegment module, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = CApi.PyObject_GetAttrString(module, arena.allocateFrom(name));
            if (value.equals(MemorySegment.NULL)) {
                CApi.PyErr_Clear();
                throw new IllegalStateException("tether_support.py has no " + name);
            }
            return value;
        }
    }
}
