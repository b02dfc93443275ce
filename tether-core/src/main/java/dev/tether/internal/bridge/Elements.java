package dev.tether.internal.bridge;

import dev.tether.internal.protocol.Failures;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Array;

/**
 * Copies of an exported buffer's elements into Java arrays, in C order (the last index varies fastest), through
 * the strides: a transposed or sliced array reads as its elements, never as its raw bytes. The format is checked:
 * only element types that convert exactly are accepted ({@code toLongArray} takes any signed integer and the
 * unsigned ones narrower than 64 bits; {@code toDoubleArray} takes float64, float32 and float16). Reads go through
 * the view's segment, so a released view fails with {@link IllegalStateException} and never reads freed memory.
 * No thread state is needed.
 */
public final class Elements {
    private Elements() {}

    /** A sink for one element, at its C-order position. */
    @FunctionalInterface
    private interface Sink {
        void accept(int index, long offset);
    }

    public static double[] toDoubleArray(Buffers.View view) {
        StructFormat f = format(view, "toDoubleArray()", "floating-point");
        if (f.kind() != StructFormat.Kind.FLOAT) {
            throw Failures.elementsDoNotFit("toDoubleArray()", "floating-point", view.shape().format());
        }
        double[] out = new double[length(view)];
        if (!bulk(view, f, double.class, ValueLayout.JAVA_DOUBLE, out)) {
            MemorySegment s = view.segment();
            each(view, (i, offset) -> out[i] = f.readDouble(s, offset));
        }
        return out;
    }

    public static float[] toFloatArray(Buffers.View view) {
        StructFormat f = format(view, "toFloatArray()", "float32 or float16");
        if (!f.fitsFloat()) {
            throw Failures.elementsDoNotFit("toFloatArray()", "float32 or float16", view.shape().format());
        }
        float[] out = new float[length(view)];
        if (!bulk(view, f, float.class, ValueLayout.JAVA_FLOAT, out)) {
            MemorySegment s = view.segment();
            each(view, (i, offset) -> out[i] = (float) f.readDouble(s, offset));
        }
        return out;
    }

    public static long[] toLongArray(Buffers.View view) {
        StructFormat f = format(view, "toLongArray()", "integer (fitting a long)");
        if (!f.fitsLong()) {
            throw Failures.elementsDoNotFit("toLongArray()", "integer (fitting a long)", view.shape().format());
        }
        long[] out = new long[length(view)];
        if (!bulk(view, f, long.class, ValueLayout.JAVA_LONG, out)) {
            MemorySegment s = view.segment();
            each(view, (i, offset) -> out[i] = f.readLong(s, offset));
        }
        return out;
    }

    public static int[] toIntArray(Buffers.View view) {
        StructFormat f = format(view, "toIntArray()", "integer (fitting an int)");
        if (!f.fitsInt()) {
            throw Failures.elementsDoNotFit("toIntArray()", "integer (fitting an int)", view.shape().format());
        }
        int[] out = new int[length(view)];
        if (!bulk(view, f, int.class, ValueLayout.JAVA_INT, out)) {
            MemorySegment s = view.segment();
            each(view, (i, offset) -> out[i] = (int) f.readLong(s, offset));
        }
        return out;
    }

    /** The element type, or a refusal naming what {@code method} needs. */
    private static StructFormat format(Buffers.View view, String method, String needed) {
        Buffers.Shape shape = view.shape();
        StructFormat f = StructFormat.parse(shape.format(), shape.itemSize());
        if (f.kind() == StructFormat.Kind.OTHER) {
            throw Failures.elementsDoNotFit(method, needed, shape.format());
        }
        return f;
    }

    private static int length(Buffers.View view) {
        long n = view.shape().count();
        if (n > Integer.MAX_VALUE - 8) {
            throw Failures.tooManyElements(n);
        }
        return (int) n;
    }

    /** One bulk copy when the elements are contiguous and already in the Java layout; false otherwise. */
    private static boolean bulk(Buffers.View view, StructFormat f, Class<?> carrier, ValueLayout javaLayout, Object array) {
        if (!view.shape().contiguous() || !f.isJava(carrier)) {
            return false;
        }
        int n = Array.getLength(array);
        MemorySegment.copy(view.segment(), javaLayout.withByteAlignment(1), view.shape().first(), array, 0, n);
        return true;
    }

    /**
     * Visits every element in C order with its byte offset in the segment: an odometer over the indices, the
     * innermost dimension in a plain loop.
     */
    private static void each(Buffers.View view, Sink sink) {
        Buffers.Shape shape = view.shape();
        long[] dims = shape.shape();
        long[] strides = shape.strides();
        int ndim = dims.length;
        if (shape.count() == 0) {
            return;
        }
        if (ndim == 0) {
            sink.accept(0, shape.first());
            return;
        }
        long[] index = new long[ndim];
        long base = shape.first();
        long inner = dims[ndim - 1];
        long step = strides[ndim - 1];
        int i = 0;
        while (true) {
            long offset = base;
            for (long k = 0; k < inner; k++, offset += step) {
                sink.accept(i++, offset);
            }
            int d = ndim - 2;
            while (d >= 0 && ++index[d] == dims[d]) {
                base -= (dims[d] - 1) * strides[d];
                index[d] = 0;
                d--;
            }
            if (d < 0) {
                return;
            }
            base += strides[d];
        }
    }
}
