package dev.tether.internal.bridge;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Runs source code in an interpreter's {@code __main__} namespace. {@code PyRun_StringFlags} is used rather than
 * {@code PyRun_SimpleString}, which would call {@code exit()} on {@code SystemExit}. Requires an attached thread
 * state of the interpreter.
 */
public final class PyRun {
    static final int FILE_INPUT = 257;
    static final int EVAL_INPUT = 258;

    private PyRun() {}

    /** Runs statements. */
    public static void exec(InterpreterImpl interpreter, String code) {
        MemorySegment result = run(interpreter, code, FILE_INPUT);
        CApi.Py_DecRef(result);
    }

    /**
     * Evaluates an expression and converts the result: None, bool, int, float and str become null, Boolean,
     * Long (or BigInteger), Double and String.
     */
    public static Object eval(InterpreterImpl interpreter, String expression) {
        MemorySegment result = run(interpreter, expression, EVAL_INPUT);
        try {
            Object value = Values.toJava(interpreter, result);
            if (value instanceof Values.Unconvertible(String typeName)) {
                throw new UnsupportedOperationException("eval() converts None, bool, int, float and str; the result"
                        + " is a Python '" + typeName + "'");
            }
            return value;
        } finally {
            CApi.Py_DecRef(result);
        }
    }

    private static MemorySegment run(InterpreterImpl interpreter, String code, int start) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment main = CApi.PyImport_AddModule(arena.allocateFrom("__main__"));
            if (main.equals(MemorySegment.NULL)) {
                throw Errors.fetch(interpreter);
            }
            MemorySegment globals = CApi.PyModule_GetDict(main);
            MemorySegment result = CApi.PyRun_StringFlags(arena.allocateFrom(code), start, globals, globals);
            if (result.equals(MemorySegment.NULL)) {
                throw Errors.fetch(interpreter);
            }
            return result;
        }
    }
}
