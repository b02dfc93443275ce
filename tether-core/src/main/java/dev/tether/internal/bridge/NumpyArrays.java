package dev.tether.internal.bridge;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Java memory as numpy arrays, without copying: the array's data pointer is the segment's address. numpy is handed
 * a small Python object whose {@code __array_interface__} describes the memory ({@code to_numpy} in
 * {@code tether_support.py}); numpy keeps that object as the array's base, and every view of the array keeps the
 * base, so the object lives exactly as long as any array on the memory (F-NUMPY-INTERFACE-BASE). It holds a capsule that pins the Java memory
 * ({@link Callables#pin}): the segment stays strongly reachable (an automatic arena's memory is not freed) until
 * Python frees the last array, and a copy Tether made is freed then.
 *
 * <p>What can be pinned: an off-heap segment, shared as it is (the caller must not close its arena while Python
 * holds the array: numpy reads the memory directly, and nothing can intercept that). A heap segment or a Java array
 * cannot be pinned (the collector moves it), so it is copied once into off-heap memory that lives as long as the
 * array; writes on either side are then not seen by the other.
 *
 * <p>This is the minimal exporter of this branch; the buffer-protocol exporter of Java memory (issue 9) may replace
 * the {@code __array_interface__} object. Requires an attached thread state.
 */
public final class NumpyArrays {
    /** Java memories pinned by arrays Python holds (diagnostics and tests). */
    private static final AtomicLong PINNED = new AtomicLong();

    private NumpyArrays() {}

    /** How many Java memories arrays in Python pin now, in every interpreter. */
    public static long pinned() {
        return PINNED.get();
    }

    /**
     * A new reference to a numpy array over {@code segment} (copied first if it is on the heap).
     *
     * @param shape the array's shape; empty for one dimension spanning the segment
     * @throws dev.tether.ConversionException if the segment is closed, does not match the shape, or the layout is
     *                                        not a numeric Java layout
     */
    public static Ref toNumpy(InterpreterImpl interpreter, MemorySegment segment, ValueLayout layout, long[] shape) {
        String typestr = typestr(layout);
        if (!segment.scope().isAlive()) {
            throw Failures.notAnArray("its arena is closed");
        }
        long[] dims = dimensions(segment.byteSize(), layout.byteSize(), shape);
        if (segment.isNative()) {
            return create(interpreter, segment, segment.isReadOnly(), typestr, dims, () -> { });
        }
        Arena arena = Arena.ofShared();
        MemorySegment copy = arena.allocate(Math.max(1, segment.byteSize()), 16)
                .asSlice(0, segment.byteSize()).copyFrom(segment);
        try {
            return create(interpreter, copy, false, typestr, dims, () -> closeQuietly(arena));
        } catch (RuntimeException | Error e) {
            closeQuietly(arena);
            throw e;
        }
    }

    /** Calls {@code to_numpy(address, readonly, typestr, shape, pin)}; the pin's release runs {@code onRelease}. */
    private static Ref create(InterpreterImpl interpreter, MemorySegment memory, boolean readOnly, String typestr,
                              long[] shape, Runnable onRelease) {
        List<Long> dims = new ArrayList<>(shape.length);
        for (long d : shape) {
            dims.add(d);
        }
        MemorySegment args = ToPython.check(CApi.PyTuple_New(5));
        try {
            CApi.PyTuple_SetItem(args, 0, ToPython.convert(interpreter, memory.address()));
            CApi.PyTuple_SetItem(args, 1, ToPython.convert(interpreter, readOnly));
            CApi.PyTuple_SetItem(args, 2, ToPython.convert(interpreter, typestr));
            CApi.PyTuple_SetItem(args, 3, ToPython.convert(interpreter, dims));
            // the capsule pins the segment (memory) from now on; freeing args without an array releases it
            MemorySegment pin = Callables.pin(memory, () -> {
                PINNED.decrementAndGet();
                onRelease.run();
            });
            PINNED.incrementAndGet();
            CApi.PyTuple_SetItem(args, 4, pin);
            return Bridge.own(interpreter, CApi.PyObject_CallObject(Support.toNumpy(interpreter), args));
        } finally {
            CApi.Py_DecRef(args);
        }
    }

    /** numpy's type string ({@code __array_interface__['typestr']}) of a Java value layout, with its byte order. */
    static String typestr(ValueLayout layout) {
        Class<?> c = layout.carrier();
        String kind = c == double.class ? "f8" : c == float.class ? "f4" : c == long.class ? "i8"
                : c == int.class ? "i4" : c == short.class ? "i2" : c == char.class ? "u2" : c == byte.class ? "i1"
                : c == boolean.class ? "b1" : null;
        if (kind == null) {
            throw Failures.notAnArray("the layout " + layout + " is not a numeric Java layout");
        }
        return (layout.byteSize() == 1 ? "|" : layout.order() == ByteOrder.LITTLE_ENDIAN ? "<" : ">") + kind;
    }

    /** The shape, checked against the segment's size; one dimension spanning it when none is given. */
    static long[] dimensions(long bytes, long itemSize, long[] shape) {
        if (shape.length == 0) {
            if (bytes % itemSize != 0) {
                throw Failures.notAnArray(bytes + " bytes are not a whole number of " + itemSize + "-byte elements");
            }
            return new long[] {bytes / itemSize};
        }
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw Failures.notAnArray("the shape " + java.util.Arrays.toString(shape) + " has a negative length");
            }
            count = Math.multiplyExact(count, d);
        }
        if (Math.multiplyExact(count, itemSize) != bytes) {
            throw Failures.notAnArray("the shape " + java.util.Arrays.toString(shape) + " needs " + count * itemSize
                    + " bytes, the memory has " + bytes);
        }
        return shape.clone();
    }

    private static void closeQuietly(Arena arena) {
        try {
            arena.close();
        } catch (RuntimeException e) {
            // already closed, or in use by a downcall: its memory is then freed with the arena's last user
        }
    }
}
