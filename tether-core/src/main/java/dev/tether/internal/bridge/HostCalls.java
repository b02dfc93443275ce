package dev.tether.internal.bridge;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.capi.Layouts;
import dev.tether.internal.capi.ObjectHeader;
import dev.tether.internal.protocol.Attachment;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.InterpreterImpl;
import dev.tether.internal.protocol.Refusal;
import dev.tether.internal.protocol.ThreadStates;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The Java functions behind proxies and views: builtin functions ({@code PyCFunction}) called the vectorcall way
 * ({@code METH_FASTCALL | METH_KEYWORDS}: no argument tuple is built), whose {@code self} is a capsule keyed into
 * {@link Callables}' registry. One upcall stub serves them all. Placed in a type's dict through
 * {@code PyInstanceMethod_New} they bind like Python methods, so {@code ctx.add(1)} costs Python a type-cache
 * lookup and this one upcall with {@code (ctx, 1)} as its arguments.
 *
 * <p>F-UPCALL-NO-THROW: nothing escapes {@link #invoke}. A {@link PyRaise} becomes its Python exception; any other
 * throwable becomes a Python exception named after its Java class ({@link Errors#raise}), and unwraps to the same
 * throwable if it comes back to Java.
 */
final class HostCalls {
    private static final System.Logger LOG = System.getLogger("dev.tether");
    private static final int METH_FASTCALL_KEYWORDS = 0x80 | 0x2;

    /** What a host function does; {@code args} is the vectorcall array, read with {@link #arg}. */
    @FunctionalInterface
    interface Body {
        MemorySegment call(MemorySegment args, long nargs) throws Throwable;
    }

    /**
     * One host function in one interpreter.
     *
     * @param attached whether the body runs with a Tether attachment open (it may call Java code that uses Python:
     *                 method calls, {@code toString}); bodies that only touch Tether's own tables (lifetime
     *                 callbacks) skip it, so that they also work while the interpreter is being finalized
     */
    private record Function(InterpreterImpl interpreter, String name, boolean attached, Body body) {}

    private static final MemorySegment METHOD_DEF;

    static {
        try {
            MemorySegment invoke = Linker.nativeLinker().upcallStub(
                    MethodHandles.lookup().findStatic(HostCalls.class, "invoke", MethodType.methodType(
                            MemorySegment.class, MemorySegment.class, MemorySegment.class, long.class,
                            MemorySegment.class)),
                    FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS), Arena.global());
            METHOD_DEF = Arena.global().allocate(Layouts.PY_METHOD_DEF);
            METHOD_DEF.set(ADDRESS, 0, Arena.global().allocateFrom("java_member"));
            METHOD_DEF.set(ADDRESS, 8, invoke);
            METHOD_DEF.set(JAVA_INT, 16, METH_FASTCALL_KEYWORDS);
            METHOD_DEF.set(ADDRESS, 24, Arena.global().allocateFrom("A member of a Java object (Tether)."));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private HostCalls() {}

    /** A new reference to a builtin function running {@code body}; requires an attached thread state. */
    static MemorySegment function(InterpreterImpl interpreter, String name, boolean attached, Body body) {
        MemorySegment capsule = Callables.capsule(new Function(interpreter, name, attached, body));
        MemorySegment function = CApi.PyCFunction_NewEx(METHOD_DEF, capsule, MemorySegment.NULL);
        CApi.Py_DecRef(capsule); // the function holds it
        if (function.equals(MemorySegment.NULL)) {
            throw Errors.fetch(interpreter);
        }
        return function;
    }

    /** A new reference to a function that binds to instances as a method does (F-INSTANCEMETHOD-BINDS). */
    static MemorySegment method(InterpreterImpl interpreter, String name, Body body) {
        MemorySegment function = function(interpreter, name, true, body);
        MemorySegment method = CApi.PyInstanceMethod_New(function);
        CApi.Py_DecRef(function);
        if (method.equals(MemorySegment.NULL)) {
            throw Errors.fetch(interpreter);
        }
        return method;
    }

    /** Argument {@code i} of a vectorcall array (borrowed). */
    static MemorySegment arg(MemorySegment args, long i) {
        return ObjectHeader.argument(args, i);
    }

    // ---- the upcall ----------------------------------------------------------------------------------------------

    /** {@code PyObject *f(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)}. */
    private static MemorySegment invoke(MemorySegment self, MemorySegment args, long nargs, MemorySegment kwnames) {
        try {
            if (!(Callables.registered(self) instanceof Function f)) {
                return raise(CApi.PyExc_RuntimeError, "This Java member was released");
            }
            if (!kwnames.equals(MemorySegment.NULL) && CApi.PyTuple_Size(kwnames) > 0) {
                return raise(CApi.PyExc_TypeError, Failures.keywordsRefused("Java", f.name()));
            }
            MemorySegment running = CApi.PyThreadState_GetInterpreter(CApi.PyThreadState_Get());
            if (!running.equals(f.interpreter().pointer())) {
                return raise(CApi.PyExc_RuntimeError, "A Java object of " + f.interpreter().describe()
                        + " was used from another interpreter");
            }
            return f.attached() ? attachedCall(f, args, nargs) : run(f, args, nargs);
        } catch (Throwable t) {
            return raise(CApi.PyExc_RuntimeError, "Java member failed: " + t);
        }
    }

    private static MemorySegment attachedCall(Function f, MemorySegment args, long nargs) {
        InterpreterImpl interpreter = f.interpreter();
        return switch (ThreadStates.ensure(interpreter, null)) {
            case Refusal refusal -> raise(CApi.PyExc_RuntimeError, refusal.message());
            case Attachment attachment -> {
                try {
                    yield run(f, args, nargs);
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

    private static MemorySegment run(Function f, MemorySegment args, long nargs) {
        try {
            return f.body().call(args, nargs);
        } catch (PyRaise r) {
            raise(f.interpreter(), r);
            return MemorySegment.NULL;
        } catch (Throwable t) {
            Errors.raise(f.interpreter(), t);
            return MemorySegment.NULL;
        }
    }

    /** Sets the Python error for {@code r}. Never throws. */
    static void raise(InterpreterImpl interpreter, PyRaise r) {
        MemorySegment type = switch (r.kind) {
            case TYPE_ERROR -> CApi.PyExc_TypeError;
            case ATTRIBUTE_ERROR -> CApi.PyExc_AttributeError;
            case HOST_ACCESS_ERROR -> ObjectSpace.hostAccessErrorType(interpreter);
            case INDEX_ERROR -> CApi.PyExc_IndexError;
            case KEY_ERROR -> CApi.PyExc_KeyError;
            case BUFFER_ERROR -> CApi.PyExc_BufferError;
            case STOP_ITERATION -> CApi.PyExc_StopIteration;
        };
        if (!r.value.equals(MemorySegment.NULL)) {
            CApi.PyErr_SetObject(type, r.value);
        } else if (r.getMessage() == null) {
            CApi.PyErr_SetNone(type);
        } else {
            raise(type, r.getMessage());
        }
    }

    private static MemorySegment raise(MemorySegment type, String message) {
        try (Arena arena = Arena.ofConfined()) {
            CApi.PyErr_SetString(type, arena.allocateFrom(message));
        }
        return MemorySegment.NULL;
    }
}
