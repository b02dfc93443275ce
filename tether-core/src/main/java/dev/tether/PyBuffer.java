package dev.tether;

import dev.tether.internal.bridge.Buffers;
import dev.tether.internal.bridge.Elements;
import java.lang.foreign.MemorySegment;

/**
 * The memory of a Python object that supports the buffer protocol ({@code bytes}, {@code bytearray},
 * {@code memoryview}, {@code array.array}, numpy arrays and scalars...), exported without copying, with the
 * exporter's description of it: element {@linkplain #format() format}, {@linkplain #itemSize() item size},
 * {@linkplain #shape() shape} and {@linkplain #strides() strides}.
 *
 * {@snippet class=dev.tether.snippets.ApiSnippets region=buffer}
 *
 * <h2 id="layout">Layout</h2>
 * Element {@code [i0, i1, ...]} lies at byte {@link #offset()} {@code + i0 * strides()[0] + i1 * strides()[1] + ...}
 * of the {@linkplain #segment() segment}, which spans exactly the bytes the elements occupy. A transposed array has
 * permuted strides, a sliced one ({@code a[:, ::2]}) strides larger than its rows, a reversed one negative strides
 * (then {@link #offset()} is above 0): none is copied, and the typed copies ({@link #toDoubleArray()}...) read each
 * through its strides, in C order. The buffer is requested as {@code memoryview(obj)} requests it
 * ({@code PyBUF_FULL_RO}), so every exporter can answer; an indirect one (with suboffsets) is refused.
 *
 * <h2 id="lifecycle">Lifecycle</h2>
 * The {@linkplain #segment() segment} is valid until the buffer is {@linkplain #close() closed}, or the interpreter
 * ends, whichever comes first; after that every access fails with {@link IllegalStateException} ("already closed")
 * instead of reading freed memory, as with a closed {@link java.lang.foreign.Arena}. While it is open the exporting
 * object stays alive and its export is held (a {@code bytearray} cannot be resized); once it is closed the export is
 * released, from whichever thread closes it (when that thread is attached to another interpreter, at the owner's
 * next attachment). The description ({@link #shape()}...) stays readable after the close.
 *
 * <h2 id="thread-safety">Thread safety</h2>
 * The segment may be read from any thread (it is a shared segment); closing may happen on any thread. No thread
 * state is needed to read it or to make typed copies. Python code that writes the memory meanwhile is not
 * synchronized with Java reads: coordinate through Python (or hold the interpreter) if both run at once.
 *
 * <h2 id="errors">Errors</h2>
 * Reading a closed buffer throws {@link IllegalStateException} from the FFM API; writing a read-only one throws
 * {@link UnsupportedOperationException}; a typed copy of elements of another type throws
 * {@link ConversionException} naming the format.
 *
 * @apiNote Closing is idempotent.
 */
public final class PyBuffer implements AutoCloseable {
    private final Buffers.View view;

    PyBuffer(Buffers.View view) {
        this.view = view;
    }

    /**
     * The exported memory, without copying: for a {@linkplain #isContiguous() contiguous} buffer exactly its
     * elements, otherwise the bytes they span (see <a href="#layout">Layout</a>). Read-only unless the object is
     * writable (a {@code bytearray}, a writable numpy array).
     */
    public MemorySegment segment() {
        return view.segment();
    }

    /** Whether the exporting object forbids writes. */
    public boolean isReadOnly() {
        return view.isReadOnly();
    }

    /**
     * The element type in the struct module's syntax, as the exporter gave it: {@code "d"} (float64), {@code "f"},
     * {@code "q"} or {@code "l"} (int64), {@code "i"}, {@code "B"} (bytes), {@code "?"}, with an optional byte-order
     * prefix ({@code "<d"}); {@code "B"} when the exporter gave none.
     */
    public String format() {
        return view.shape().format();
    }

    /** The size of one element in bytes. */
    public long itemSize() {
        return view.shape().itemSize();
    }

    /** The number of dimensions: 0 for a scalar, 1 for {@code bytes}. */
    public int ndim() {
        return view.shape().shape().length;
    }

    /** The length of each dimension (a copy). */
    public long[] shape() {
        return view.shape().shape().clone();
    }

    /** The bytes between consecutive elements of each dimension (a copy); negative for a reversed dimension. */
    public long[] strides() {
        return view.shape().strides().clone();
    }

    /** The offset in {@link #segment()} of the element at index 0 in every dimension. */
    public long offset() {
        return view.shape().first();
    }

    /** Whether the elements lie in C order without gaps (then {@link #segment()} is exactly them). */
    public boolean isContiguous() {
        return view.shape().contiguous();
    }

    /**
     * A copy of the elements in C order, through the strides; elements of format {@code d}, {@code f} or
     * {@code e} (float64, float32, float16).
     *
     * @throws ConversionException   if the elements are not floating-point
     * @throws IllegalStateException if the buffer was closed
     */
    public double[] toDoubleArray() {
        return Elements.toDoubleArray(view);
    }

    /**
     * A copy of the elements in C order; elements of format {@code f} or {@code e}.
     *
     * @throws ConversionException   if the elements are not float32 or float16
     * @throws IllegalStateException if the buffer was closed
     */
    public float[] toFloatArray() {
        return Elements.toFloatArray(view);
    }

    /**
     * A copy of the elements in C order; integer elements that fit a {@code long} exactly (signed of any size,
     * unsigned narrower than 64 bits).
     *
     * @throws ConversionException   if the elements are not such integers (an unsigned 64-bit buffer is refused)
     * @throws IllegalStateException if the buffer was closed
     */
    public long[] toLongArray() {
        return Elements.toLongArray(view);
    }

    /**
     * A copy of the elements in C order; integer elements that fit an {@code int} exactly (signed up to 32 bits,
     * unsigned up to 16).
     *
     * @throws ConversionException   if the elements are not such integers
     * @throws IllegalStateException if the buffer was closed
     */
    public int[] toIntArray() {
        return Elements.toIntArray(view);
    }

    /** Releases the buffer: the segment becomes inaccessible and the exporter is released. */
    @Override
    public void close() {
        view.release();
    }

    @Override
    public String toString() {
        return "PyBuffer[" + (view.isReleased() ? "closed, " : "") + "format '" + format() + "', shape "
                + java.util.Arrays.toString(view.shape().shape()) + (isContiguous() ? "" : ", strided") + "]";
    }
}
