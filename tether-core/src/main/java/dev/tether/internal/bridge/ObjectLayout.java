package dev.tether.internal.bridge;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.tether.internal.capi.CApi;
import java.lang.foreign.MemorySegment;

/**
 * Where {@code ob_type} lies in a {@code PyObject}: the {@code Py_TYPE} macro is not callable, and calling
 * {@code PyObject_Type} (a new reference to release) for every conversion would triple its cost. The offset depends
 * on the build (8 normally, 24 on free-threaded builds, 16 more with {@code Py_TRACE_REFS}), so it is found once at
 * start-up by looking for the known type of {@code None} and checked against {@code True}.
 */
final class ObjectLayout {
    /** The whole address space, to read object headers without creating a segment per read. */
    private static final MemorySegment MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /** Written once at start-up, before any conversion (happens-before through the runtime's publication). */
    private static long typeOffset = -1;

    private ObjectLayout() {}

    /** Finds the offset; requires an attached thread state. */
    static void detect() {
        MemorySegment noneType = CApi.PyObject_Type(CApi.Py_None);
        MemorySegment boolType = CApi.PyObject_Type(CApi.Py_True);
        CApi.Py_DecRef(noneType);
        CApi.Py_DecRef(boolType);
        for (long offset = 8; offset <= 64; offset += 8) {
            if (MEMORY.get(JAVA_LONG, CApi.Py_None.address() + offset) == noneType.address()
                    && MEMORY.get(JAVA_LONG, CApi.Py_True.address() + offset) == boolType.address()) {
                typeOffset = offset;
                return;
            }
        }
        throw new IllegalStateException("cannot find ob_type in the object header of this CPython build");
    }

    /** The address of the type object of {@code object} (borrowed). */
    static long typeOf(MemorySegment object) {
        return MEMORY.get(JAVA_LONG, object.address() + typeOffset);
    }
}
