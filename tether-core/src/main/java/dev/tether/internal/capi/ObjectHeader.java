package dev.tether.internal.capi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_CHAR_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Reads the CPython-owned memory Tether needs to read: object headers, string and buffer contents.
 *
 * <p>Where {@code ob_type} lies in a {@code PyObject}: the {@code Py_TYPE} macro is not callable, and calling
 * {@code PyObject_Type} (a new reference to release) for every conversion would triple its cost. The offset depends
 * on the build (8 normally, 24 on free-threaded builds, 16 more with {@code Py_TRACE_REFS}), so it is found once at
 * start-up by looking for the known type of {@code None} and checked against {@code True}.
 */
public final class ObjectHeader {
    /** The whole address space, to read object headers without creating a segment per read. */
    static final MemorySegment MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /** Written once at start-up, before any conversion (happens-before through the runtime's publication). */
    private static long typeOffset = -1;

    private ObjectHeader() {}

    /** Finds the offset; requires an attached thread state. */
    public static void detect() {
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

    /** {@code sizeof(PyObject)} of the running build: the header ends with {@code ob_type}. */
    public static long headerSize() {
        return typeOffset + ADDRESS.byteSize();
    }

    /** The address of the type object of {@code object} (borrowed). */
    public static long typeOf(MemorySegment object) {
        return MEMORY.get(JAVA_LONG, object.address() + typeOffset);
    }

    /** A copy of {@code length} bytes CPython owns at {@code address}. */
    public static byte[] copyBytes(MemorySegment address, long length) {
        return address.reinterpret(length).toArray(JAVA_BYTE);
    }

    /** A copy of {@code length} bytes of little-endian UTF-16 at {@code address}, as chars (no decoding). */
    public static char[] copyUtf16Le(MemorySegment address, long length) {
        return address.reinterpret(length).toArray(
                JAVA_CHAR_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
    }

    /** The bytes of an exported buffer ({@code Py_buffer}): a copy. */
    public static byte[] bufferBytes(MemorySegment pyBuffer) {
        return copyBytes(pyBuffer.get(ADDRESS, 0), bufferLength(pyBuffer));
    }

    /** The bytes of an exported buffer as a segment of {@code arena}: no copy, valid until the arena closes. */
    public static MemorySegment bufferView(MemorySegment pyBuffer, Arena arena) {
        return pyBuffer.get(ADDRESS, 0).reinterpret(bufferLength(pyBuffer), arena, null);
    }

    /** {@code Py_buffer.len}. */
    public static long bufferLength(MemorySegment pyBuffer) {
        return pyBuffer.get(JAVA_LONG, 16);
    }

    /** {@code Py_buffer.readonly}. */
    public static boolean bufferReadOnly(MemorySegment pyBuffer) {
        return pyBuffer.get(JAVA_INT, 32) != 0;
    }

    /** Item {@code i} of a vectorcall argument array ({@code PyObject *const *args}): a borrowed reference. */
    public static MemorySegment argument(MemorySegment args, long i) {
        return MemorySegment.ofAddress(MEMORY.get(JAVA_LONG, args.address() + i * ADDRESS.byteSize()));
    }

    /**
     * Fills a {@code Py_buffer} that a consumer passed to an exporter's {@code bf_getbuffer}: the fields of
     * {@link Layouts#PY_BUFFER}, with {@code suboffsets} and {@code internal} NULL. {@code obj} must be a new
     * reference (the consumer releases it).
     */
    public static void writeBuffer(MemorySegment view, MemorySegment buf, MemorySegment obj, long length,
                                   long itemSize, boolean readOnly, int ndim, MemorySegment format,
                                   MemorySegment shape, MemorySegment strides) {
        MemorySegment v = view.reinterpret(Layouts.PY_BUFFER.byteSize());
        v.set(ADDRESS, 0, buf);
        v.set(ADDRESS, 8, obj);
        v.set(JAVA_LONG, 16, length);
        v.set(JAVA_LONG, 24, itemSize);
        v.set(JAVA_INT, 32, readOnly ? 1 : 0);
        v.set(JAVA_INT, 36, ndim);
        v.set(ADDRESS, 40, format);
        v.set(ADDRESS, 48, shape);
        v.set(ADDRESS, 56, strides);
        v.set(ADDRESS, 64, MemorySegment.NULL);
        v.set(ADDRESS, 72, MemorySegment.NULL);
    }

    /** {@code Py_buffer.obj} of a view being released (borrowed). */
    public static MemorySegment bufferObject(MemorySegment view) {
        return view.reinterpret(Layouts.PY_BUFFER.byteSize()).get(ADDRESS, 8);
    }
}
