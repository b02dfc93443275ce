package dev.tether.internal.bridge;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Runs source code in an interpreter: in its {@code __main__} namespace or in a given dict. {@code PyRun_StringFlags}
 * is used rather than {@code PyRun_SimpleString}, which would call {@code exit()} on {@code SystemExit}. Requires an
 * attached thread state of the interpreter.
 */
public final class PyRun {
    /** {@code Py_file_input}: statements. */
    static final int FILE_INPUT = 257;
    /** {@code Py_eval_input}: one expression. */
    static final int EVAL_INPUT = 258;

    private PyRun() {}

    /** Runs statements; {@code namespace} is a dict, or null for {@code __main__}'s. */
    public static void exec(InterpreterImpl interpreter, String code, Ref namespace) {
        CApi.Py_DecRef(run(interpreter, code, FILE_INPUT, namespace));
    }

    /** Evaluates an expression and converts the result (see {@link ToJava}). */
    public static Object eval(InterpreterImpl interpreter, String expression, Ref namespace) {
        MemorySegment result = run(interpreter, expression, EVAL_INPUT, namespace);
        try {
            return ToJava.convert(interpreter, result);
        } finally {
            CApi.Py_DecRef(result);
        }
    }

    /** Evaluates an expression to a new reference. */
    public static Ref evalObject(InterpreterImpl interpreter, String expression, Ref namespace) {
        return new Ref(interpreter, run(interpreter, expression, EVAL_INPUT, namespace));
    }

    /** {@code import name}: a new reference to the module. */
    public static Ref importModule(InterpreterImpl interpreter, String name) {
        try (Arena arena = Arena.ofConfined()) {
            return Bridge.own(interpreter, CApi.PyImport_ImportModule(arena.allocateFrom(name)));
        }
    }

    /** A new reference to the {@code __main__} namespace (a dict). */
    public static Ref globals(InterpreterImpl interpreter) {
        return new Ref(interpreter, PyTypes.newRef(mainDict(interpreter)));
    }

    /** Runs a script file or module as {@code __main__}; its exit status (see {@code Support.runMain}). */
    public static int runMain(InterpreterImpl interpreter, boolean module, String target, java.util.List<String> args) {
        return Support.runMain(interpreter, module, target, args);
    }

    /** A new reference to the Python value of {@code value}. */
    public static Ref toPython(InterpreterImpl interpreter, Object value) {
        return new Ref(interpreter, ToPython.convert(interpreter, value));
    }

    private static MemorySegment run(InterpreterImpl interpreter, String code, int start, Ref namespace) {
        if (namespace != null) {
            if (namespace.interpreter != interpreter) {
                throw Failures.wrongInterpreter(namespace.interpreter, interpreter);
            }
            if (!namespace.acquire()) {
                throw Failures.closedObject(namespace.interpreter);
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment globals = namespace == null ? mainDict(interpreter) : namespace.address;
            if (namespace != null && !PyTypes.isInstance(globals, CApi.PyDict_Type)) {
                throw Failures.namespaceNotDict(PyTypes.typeName(globals));
            }
            MemorySegment result = CApi.PyRun_StringFlags(arena.allocateFrom(code), start, globals, globals);
            if (result.equals(MemorySegment.NULL)) {
                throw Errors.fetch(interpreter);
            }
            return result;
        } finally {
            if (namespace != null) {
                namespace.release();
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
