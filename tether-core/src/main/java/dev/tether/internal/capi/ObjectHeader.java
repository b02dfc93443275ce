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

    /**
     * {@code length} bytes from {@code address} (the start of an exported buffer's extent, which may lie before
     * {@code Py_buffer.buf} when strides are negative) as a segment of {@code arena}: no copy.
     */
    public static MemorySegment bufferExtent(long address, long length, Arena arena) {
        return MemorySegment.ofAddress(address).reinterpret(length, arena, null);
    }

    /**
     * What a {@code Py_buffer} filled for a {@code PyBUF_FULL_RO} request says (see {@link Layouts#PY_BUFFER}).
     *
     * @param buf        the address of the first element (index 0 in every dimension)
     * @param length     {@code len}: the bytes the elements take, {@code itemsize * product(shape)}
     * @param format     struct syntax; {@code "B"} where the exporter gave NULL (as CPython reads it)
     * @param shape      one length per dimension; {@code [len / itemsize]} where the exporter gave NULL
     * @param strides    bytes between elements per dimension; C-contiguous ones where the exporter gave NULL
     * @param indirect   whether {@code suboffsets} asks for pointer dereferences (PIL-style arrays)
     */
    public record BufferFields(long buf, long length, long itemSize, boolean readOnly, String format, long[] shape,
                               long[] strides, boolean indirect) {}

    /** Reads the fields of a filled {@code Py_buffer}; the arrays are copies (they may point into it: F-BUFFER-FULL-RO). */
    public static BufferFields bufferFields(MemorySegment pyBuffer) {
        long buf = pyBuffer.get(ADDRESS, 0).address();
        long length = bufferLength(pyBuffer);
        long itemSize = Math.max(1, pyBuffer.get(JAVA_LONG, 24));
        int ndim = pyBuffer.get(JAVA_INT, 36);
        MemorySegment format = pyBuffer.get(ADDRESS, 40);
        MemorySegment shapes = pyBuffer.get(ADDRESS, 48);
        MemorySegment strides = pyBuffer.get(ADDRESS, 56);
        MemorySegment suboffsets = pyBuffer.get(ADDRESS, 64);
        long[] shape = shapes.equals(MemorySegment.NULL) ? (ndim == 0 ? new long[0] : new long[] {length / itemSize})
                : shapes.reinterpret(8L * ndim).toArray(JAVA_LONG);
        long[] stride = strides.equals(MemorySegment.NULL) ? contiguousStrides(shape, itemSize)
                : strides.reinterpret(8L * ndim).toArray(JAVA_LONG);
        boolean indirect = false;
        if (!suboffsets.equals(MemorySegment.NULL)) {
            for (long s : suboffsets.reinterpret(8L * ndim).toArray(JAVA_LONG)) {
                indirect |= s >= 0;
            }
        }
        return new BufferFields(buf, length, itemSize, bufferReadOnly(pyBuffer),
                format.equals(MemorySegment.NULL) ? "B" : format.reinterpret(Long.MAX_VALUE).getString(0),
                shape, stride, indirect);
    }

    /** A copy of the one element of a 0-dimensional buffer (its {@code itemsize} bytes at {@code buf}). */
    public static byte[] bufferItem(BufferFields fields) {
        return copyBytes(MemorySegment.ofAddress(fields.buf()), fields.itemSize());
    }

    private static long[] contiguousStrides(long[] shape, long itemSize) {
        long[] strides = new long[shape.length];
        long step = itemSize;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = step;
            step *= shape[i];
        }
        return strides;
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
