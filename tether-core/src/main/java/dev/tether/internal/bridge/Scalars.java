package dev.tether.internal.bridge;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.capi.Layouts;
import dev.tether.internal.capi.ObjectHeader;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Numbers that are not Python's own but export a 0-dimensional buffer of a numeric format: numpy's scalars
 * ({@code int64}, {@code float32}, {@code bool_}...) and 0-d arrays, or a ctypes number. Their value is read from
 * the buffer by its struct format, so no numpy API is named and nothing is imported (F-NUMPY-SCALAR-BUFFER).
 * Requires an attached thread state.
 */
final class Scalars {
    /** {@code PyBUF_RECORDS_RO}: strides and format, no writability (0x10 | 0x08 | 0x04). */
    private static final int PYBUF_RECORDS_RO = 0x1C;
    /** {@code Py_TPFLAGS_HEAPTYPE}: a type made at run time (a class statement, {@code PyType_FromSpec}). */
    private static final long HEAP_TYPE = 1L << 9;

    private Scalars() {}

    /**
     * The Java value of {@code o} (borrowed) if it is such a scalar: Boolean, Long (BigInteger for an unsigned
     * 64-bit value beyond Long.MAX_VALUE) or Double; null otherwise, with no error left set. An exception that is
     * not an {@code Exception} (an interrupt) raised by the exporter is thrown instead.
     *
     * <p>Only objects of static types (numpy's scalar and array types are static C types) are asked: exporting
     * from a heap type may run Python code ({@code __buffer__}, 3.12+), and {@code o} may be a borrowed item of a
     * container being converted, which that code could free.
     */
    static Object value(InterpreterImpl interpreter, MemorySegment o) {
        if ((CApi.PyType_GetFlags(MemorySegment.ofAddress(ObjectHeader.typeOf(o))) & HEAP_TYPE) != 0
                || CApi.PyObject_CheckBuffer(o) == 0) {
            return null;
        }
        // not Scratch: a C exporter may still call back into Python, and Python into Java
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment view = arena.allocate(Layouts.PY_BUFFER);
            if (CApi.PyObject_GetBuffer(o, view, PYBUF_RECORDS_RO) < 0) {
                if (CApi.PyErr_ExceptionMatches(CApi.PyExc_Exception) == 0) {
                    throw Errors.fetch(interpreter);
                }
                CApi.PyErr_Clear();
                return null;
            }
            try {
                ObjectHeader.BufferFields fields = ObjectHeader.bufferFields(view);
                if (fields.shape().length != 0 || fields.indirect()) {
                    return null;
                }
                StructFormat format = StructFormat.parse(fields.format(), fields.itemSize());
                return format.readJava(MemorySegment.ofArray(ObjectHeader.bufferItem(fields)), 0);
            } finally {
                CApi.PyBuffer_Release(view);
            }
        }
    }

    /** Whether {@code o} is a 0-d boolean buffer (numpy's {@code bool_}): a bool, not a number. */
    static boolean isBoolean(InterpreterImpl interpreter, MemorySegment o) {
        return value(interpreter, o) instanceof Boolean;
    }
}
