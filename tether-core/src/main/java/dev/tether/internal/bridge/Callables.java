package dev.tether.internal.bridge;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.tether.PythonCallable;
import dev.tether.internal.capi.CApi;
import dev.tether.internal.capi.Layouts;
import dev.tether.internal.protocol.Attachment;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.InterpreterImpl;
import dev.tether.internal.protocol.Refusal;
import dev.tether.internal.protocol.StackBudget;
import dev.tether.internal.protocol.ThreadStates;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Java code that Python can call, through FFM upcalls, and Java throwables that Python carries.
 *
 * <p>A Java callable becomes a builtin function object ({@code PyCFunction}) whose {@code self} is a capsule
 * holding a key into {@link #REGISTRY}; one upcall stub serves every callable. When Python frees the function, the
 * capsule's destructor (another upcall) removes the entry, so nothing leaks. A Java throwable that crosses into
 * Python rides in a capsule the same way, so that it can become the cause again if the exception comes back to Java.
 *
 * <h2>Upcall rules</h2>
 * An upcall runs on the thread that runs the Python code: a Tether thread (its attachment nests) or a thread Python
 * started (its thread state is adopted). No Java exception may escape an upcall (the JVM would abort): every one is
 * turned into a Python exception.
 */
final class Callables {
    private static final System.Logger LOG = System.getLogger("dev.tether");
    private static final int METH_VARARGS = 0x1;
    private static final int METH_KEYWORDS = 0x2;

    /** Keys to callables and throwables alive in Python; removed by the capsule destructor. */
    private static final ConcurrentHashMap<Long, Object> REGISTRY = new ConcurrentHashMap<>();
    private static final AtomicLong KEYS = new AtomicLong();

    /**
     * A Java callable exposed to one interpreter.
     *
     * @param direct whether it runs without an attachment of its own (see {@link #createDirect})
     */
    private record Entry(InterpreterImpl interpreter, PythonCallable target, String name, boolean direct) {}

    private static final MemorySegment METHOD_DEF;
    private static final MemorySegment DIRECT_METHOD_DEF;
    private static final MemorySegment DESTRUCTOR;

    static {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            MemorySegment invoke = linker.upcallStub(
                    lookup.findStatic(Callables.class, "invoke", MethodType.methodType(MemorySegment.class,
                            MemorySegment.class, MemorySegment.class, MemorySegment.class)),
                    FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS), Arena.global());
            DESTRUCTOR = linker.upcallStub(
                    lookup.findStatic(Callables.class, "destroy",
                            MethodType.methodType(void.class, MemorySegment.class)),
                    FunctionDescriptor.ofVoid(ADDRESS), Arena.global());
            METHOD_DEF = Arena.global().allocate(Layouts.PY_METHOD_DEF);
            METHOD_DEF.set(ADDRESS, 0, Arena.global().allocateFrom("java_callable"));
            METHOD_DEF.set(ADDRESS, 8, invoke);
            METHOD_DEF.set(JAVA_INT, 16, METH_VARARGS | METH_KEYWORDS);
            METHOD_DEF.set(ADDRESS, 24, Arena.global().allocateFrom("A Java callable (Tether)."));
            DIRECT_METHOD_DEF = Arena.global().allocate(Layouts.PY_METHOD_DEF);
            DIRECT_METHOD_DEF.set(ADDRESS, 0, Arena.global().allocateFrom("java_sink"));
            DIRECT_METHOD_DEF.set(ADDRESS, 8, invoke);
            DIRECT_METHOD_DEF.set(JAVA_INT, 16, METH_VARARGS | METH_KEYWORDS);
            DIRECT_METHOD_DEF.set(ADDRESS, 24, Arena.global().allocateFrom("A Java sink (Tether)."));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Callables() {}

    /** A new reference to a Python callable running {@code target}; requires an attached thread state. */
    static MemorySegment create(InterpreterImpl interpreter, PythonCallable target, String name) {
        return function(METHOD_DEF, new Entry(interpreter, target, name, false));
    }

    /**
     * Like {@link #create}, for Tether's own sinks (program output, log records): the callable runs on the calling
     * thread as it is, without an attachment of its own and so without passing the interpreter's gate. That lets
     * CPython call it while the interpreter is being ended (its last flush of {@code sys.stdout}, messages of
     * finalizers), when every attachment is refused. {@code target} receives converted values only and must not
     * use Python objects or ensure thread states.
     */
    static MemorySegment createDirect(InterpreterImpl interpreter, PythonCallable target, String name) {
        return function(DIRECT_METHOD_DEF, new Entry(interpreter, target, name, true));
    }

    private static MemorySegment function(MemorySegment def, Entry entry) {
        InterpreterImpl interpreter = entry.interpreter();
        MemorySegment capsule = capsule(entry);
        MemorySegment function = CApi.PyCFunction_NewEx(def, capsule, MemorySegment.NULL);
        CApi.Py_DecRef(capsule); // the function holds it
        if (function.equals(MemorySegment.NULL)) {
            throw Errors.fetch(interpreter);
        }
        return function;
    }

    /** A new reference to a capsule that keeps {@code throwable} for Java while Python holds it. */
    static MemorySegment token(InterpreterImpl interpreter, Throwable throwable) {
        return capsule(throwable);
    }

    /**
     * A new reference to a capsule that keeps {@code kept} reachable for Java while Python holds the capsule, and
     * runs {@code onRelease} (on whichever thread frees it, attached) when Python frees it. Never throws from there.
     */
    static MemorySegment pin(Object kept, Runnable onRelease) {
        return capsule(new Pin(kept, onRelease));
    }

    /** What {@link #pin} keeps. */
    private record Pin(Object kept, Runnable onRelease) {}

    /** The throwable behind a token, or null. */
    static Throwable throwable(MemorySegment token) {
        MemorySegment key = CApi.PyCapsule_GetPointer(token, MemorySegment.NULL);
        if (key.equals(MemorySegment.NULL)) {
            CApi.PyErr_Clear();
            return null;
        }
        return REGISTRY.get(key.address()) instanceof Throwable t ? t : null;
    }

    /** How many callables and throwables Python holds (diagnostics and tests). */
    static int live() {
        return REGISTRY.size();
    }

    /** What a capsule made by {@link #capsule} keeps, or null (released, or not such a capsule). */
    static Object registered(MemorySegment capsule) {
        MemorySegment key = CApi.PyCapsule_GetPointer(capsule, MemorySegment.NULL);
        if (key.equals(MemorySegment.NULL)) {
            CApi.PyErr_Clear();
            return null;
        }
        return REGISTRY.get(key.address());
    }

    /** A new reference to a capsule that keeps {@code value} registered until Python frees the capsule. */
    static MemorySegment capsule(Object value) {
        long key = KEYS.incrementAndGet();
        REGISTRY.put(key, value);
        MemorySegment capsule = CApi.PyCapsule_New(MemorySegment.ofAddress(key), MemorySegment.NULL, DESTRUCTOR);
        if (capsule.equals(MemorySegment.NULL)) {
            REGISTRY.remove(key);
            CApi.PyErr_Clear();
            throw new OutOfMemoryError("CPython could not allocate a capsule");
        }
        return capsule;
    }

    // ---- upcalls ----------------------------------------------------------------------------------------------

    /** {@code PyObject *f(PyObject *self, PyObject *args, PyObject *kwargs)}: never throws. */
    private static MemorySegment invoke(MemorySegment self, MemorySegment args, MemorySegment kwargs) {
        try {
            return invokeChecked(self, args, kwargs);
        } catch (StackOverflowError e) {
            // Even the handlers below found no stack. Nothing here may call a method; CPython reports a NULL
            // result without an exception as SystemError (F-STACK-CALLBACK).
            return MemorySegment.NULL;
        }
    }

    private static MemorySegment invokeChecked(MemorySegment self, MemorySegment args, MemorySegment kwargs) {
        try {
            MemorySegment key = CApi.PyCapsule_GetPointer(self, MemorySegment.NULL);
            if (!(REGISTRY.get(key.address()) instanceof Entry entry)) {
                return raise("This Java callable was released");
            }
            InterpreterImpl interpreter = entry.interpreter();
            MemorySegment ts = CApi.PyThreadState_Get();
            if (!CApi.PyThreadState_GetInterpreter(ts).equals(interpreter.pointer())) {
                return raise("A Java callable of " + interpreter.describe()
                        + " was called from another interpreter");
            }
            int counted = StackBudget.enterCallback(interpreter.facts(), ts);
            if (counted < 0) {
                return MemorySegment.NULL;   // RecursionError is set
            }
            try {
                // Tether's own sinks run as they are: see createDirect
                return entry.direct() ? call(interpreter, entry, args, kwargs)
                        : attachedCall(interpreter, entry, args, kwargs);
            } finally {
                StackBudget.leaveCallback(ts, counted);
            }
        } catch (Throwable t) {
            return raise("Java callable failed: " + t);
        }
    }

    private static MemorySegment attachedCall(InterpreterImpl interpreter, Entry entry, MemorySegment args,
                                              MemorySegment kwargs) {
        return switch (ThreadStates.ensure(interpreter, null)) {
            case Refusal refusal -> raise(refusal.message());
            case Attachment attachment -> {
                try {
                    yield call(interpreter, entry, args, kwargs);
                } finally {
                    int leaked = ThreadStates.releaseThrough(attachment);
                    if (leaked > 0) {
                        LOG.log(System.Logger.Level.WARNING, Failures.leakedAttachments(leaked));
                    }
                    ThreadStates.yieldIfOthersWait(interpreter);
                }
            }
        };
    }

    private static MemorySegment call(InterpreterImpl interpreter, Entry entry, MemorySegment args,
                                      MemorySegment kwargs) {
        Object result;
        try {
            Object[] positional = (Object[]) ToJava.convert(interpreter, args);
            Map<String, Object> keywords = Map.of();
            if (!kwargs.equals(MemorySegment.NULL)) {
                @SuppressWarnings("unchecked")
                Map<String, Object> converted = (Map<String, Object>) (Map<?, ?>) ToJava.convert(interpreter, kwargs);
                keywords = converted;
            }
            result = entry.target().call(java.util.Collections.unmodifiableList(java.util.Arrays.asList(positional)),
                    java.util.Collections.unmodifiableMap(keywords));
            return ToPython.convert(interpreter, result);
        } catch (Throwable t) {
            Errors.raise(interpreter, t);
            return MemorySegment.NULL;
        }
    }

    /** {@code void destructor(PyObject *capsule)}: forgets the registered value. Never throws. */
    private static void destroy(MemorySegment capsule) {
        try {
            MemorySegment key = CApi.PyCapsule_GetPointer(capsule, MemorySegment.NULL);
            if (key.equals(MemorySegment.NULL)) {
                CApi.PyErr_Clear();
            } else if (REGISTRY.remove(key.address()) instanceof Pin pin) {
                pin.onRelease().run();
            }
        } catch (Throwable t) {
            // nothing can be reported from a destructor; the entry stays, which only costs memory
        }
    }

    private static MemorySegment raise(String message) {
        try (Arena arena = Arena.ofConfined()) {
            CApi.PyErr_SetString(CApi.PyExc_RuntimeError, arena.allocateFrom(message));
        }
        return MemorySegment.NULL;
    }
}
