package dev.tether.internal.bridge;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Runs source code in an interpreter: in its {@code __main__} namespace or in a given dict. {@code PyRun_StringFlags}
 * is used rather than {@code PyRun_SimpleString}, which would call {@code exit()} on {@code SystemExit}. Requires an
 * attached thread state of the interpreter.
 */
public final class PyRun {
    static final int FILE_INPUT = 257;
    static final int EVAL_INPUT = 258;

    private PyRun() {}

    /** Runs statements; {@code namespace} is a public PyObject (a dict) or null for {@code __main__}. */
    public static void exec(InterpreterImpl interpreter, String code, Object namespace) {
        CApi.Py_DecRef(run(interpreter, code, FILE_INPUT, namespace));
    }

    /** Evaluates an expression and converts the result (see {@link Convert#toJava}). */
    public static Object eval(InterpreterImpl interpreter, String expression, Object namespace) {
        MemorySegment result = run(interpreter, expression, EVAL_INPUT, namespace);
        try {
            return Convert.toJava(interpreter, result);
        } finally {
            CApi.Py_DecRef(result);
        }
    }

    /** Evaluates an expression to a new public object. */
    public static Object evalObject(InterpreterImpl interpreter, String expression, Object namespace) {
        return Bridge.wrap(interpreter, run(interpreter, expression, EVAL_INPUT, namespace));
    }

    /** {@code import name}: a new public object for the module. */
    public static Object importModule(InterpreterImpl interpreter, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment module = CApi.PyImport_ImportModule(arena.allocateFrom(name));
            if (module.equals(MemorySegment.NULL)) {
                throw Errors.fetch(interpreter);
            }
            return Bridge.wrap(interpreter, module);
        }
    }

    /** The {@code __main__} namespace (a dict) as a new public object. */
    public static Object globals(InterpreterImpl interpreter) {
        return Bridge.wrap(interpreter, Convert.newRef(mainDict(interpreter)));
    }

    /** Converts a Java value to a new public object. */
    public static Object toPython(InterpreterImpl interpreter, Object value) {
        return Bridge.wrap(interpreter, Convert.toPython(interpreter, value));
    }

    private static MemorySegment run(InterpreterImpl interpreter, String code, int start, Object namespace) {
        Ref ref = namespace == null ? null : Api.views().ref(namespace);
        if (ref != null) {
            if (ref.interpreter != interpreter) {
                throw Bridge.wrongInterpreter(ref.interpreter, interpreter);
            }
            if (!ref.acquire()) {
                throw Bridge.closedObject(ref);
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment globals = ref == null ? mainDict(interpreter) : ref.address;
            if (ref != null && !Convert.isInstance(globals, CApi.PyDict_Type)) {
                throw new dev.tether.ConversionException("A namespace must be a Python dict, got "
                        + Convert.typeName(globals));
            }
            MemorySegment result = CApi.PyRun_StringFlags(arena.allocateFrom(code), start, globals, globals);
            if (result.equals(MemorySegment.NULL)) {
                throw Errors.fetch(interpreter);
            }
            return result;
        } finally {
            if (ref != null) {
                ref.release();
            }
        }
    }

    private static MemorySegment mainDict(InterpreterImpl interpreter) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment main = CApi.PyImport_AddModule(arena.allocateFrom("__main__"));
            if (main.equals(MemorySegment.NULL)) {
                throw Errors.fetch(interpreter);
            }
            return CApi.PyModule_GetDict(main);
        }
    }
}
