package dev.tether.internal.bridge;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.capi.Layouts;
import dev.tether.internal.capi.ObjectHeader;
import dev.tether.ThreadStateException;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.InterpreterImpl;
import dev.tether.internal.protocol.ThreadStates;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Zero-copy views of objects through the buffer protocol, with the exporter's full description (format, item size,
 * shape, strides). The view's segment belongs to a shared arena that is closed when the view is released, or when
 * the interpreter ends (whichever comes first), so reading a released view fails with the FFM API's "already
 * closed" error instead of reading freed memory.
 *
 * <p>Buffers are requested with {@code PyBUF_FULL_RO}, as {@code memoryview(o)} requests them (F-BUFFER-FULL-RO): every exporter
 * accepts it (a non-contiguous one too), and it reports whether the memory is writable. An exporter that answers
 * with indirect dimensions (suboffsets) is refused.
 */
public final class Buffers {
    /** {@code PyBUF_FULL_RO}: {@code PyBUF_INDIRECT | PyBUF_FORMAT} (0x100 | 0x18 | 0x4). */
    static final int PYBUF_FULL_RO = 0x11C;

    private Buffers() {}

    /**
     * What an exported buffer holds.
     *
     * @param format   struct syntax, e.g. {@code "d"}, {@code "<q"}, {@code "B"}
     * @param first    the offset in the view's segment of the element at index 0 in every dimension (above 0 only
     *                 when a stride is negative)
     * @param contiguous whether the elements lie in C order without gaps
     */
    public record Shape(String format, long itemSize, long[] shape, long[] strides, long first, boolean contiguous) {
        /** The number of elements (1 for a 0-dimensional buffer). */
        public long count() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /** An exported buffer: its segment, and how to release it. */
    public static final class View {
        private final InterpreterImpl interpreter;
        private final MemorySegment pyBuffer;
        private final Arena arena;
        private final MemorySegment segment;
        private final boolean readOnly;
        private final Shape shape;
        /** Whether the segment was released (closed to Java). */
        private final AtomicBoolean released = new AtomicBoolean();
        /** Whether CPython's export was released; may happen later than {@link #released}. */
        private final AtomicBoolean exportReleased = new AtomicBoolean();
        private final Runnable beforeEnd = this::releaseBeforeEnd;

        private View(InterpreterImpl interpreter, MemorySegment pyBuffer, Arena arena, MemorySegment segment,
                     boolean readOnly, Shape shape) {
            this.interpreter = interpreter;
            this.pyBuffer = pyBuffer;
            this.arena = arena;
            this.segment = segment;
            this.readOnly = readOnly;
            this.shape = shape;
        }

        public Shape shape() {
            return shape;
        }

        public MemorySegment segment() {
            return segment;
        }

        public boolean isReadOnly() {
            return readOnly;
        }

        public boolean isReleased() {
            return released.get();
        }

        /**
         * Releases the buffer; idempotent, from any thread. The segment becomes inaccessible at once. CPython's
         * export is released here if this thread is attached to the owning interpreter or can attach to it;
         * otherwise (attached to another interpreter, or the owner is closing) at the owner's next attachment or
         * before it ends, whichever comes first; never twice.
         */
        public void release() {
            if (!released.compareAndSet(false, true)) {
                return;
            }
            arena.close();
            InterpreterImpl current = ThreadStates.attachedInterpreter();
            if (current == interpreter) {
                releaseExport();
            } else if (current != null || !interpreter.gate().isOpen() || !tryReleaseAttached()) {
                interpreter.deferAction(this::releaseExport);
            }
        }

        private boolean tryReleaseAttached() {
            try {
                Bridge.attached(interpreter, () -> {
                    releaseExport();
                    return null;
                });
                return true;
            } catch (ThreadStateException e) {
                return false; // refused: the interpreter began closing meanwhile
            }
        }

        /** {@code PyBuffer_Release}, once; attached to the owning interpreter. */
        private void releaseExport() {
            if (exportReleased.compareAndSet(false, true)) {
                interpreter.cancelBeforeEnd(beforeEnd);
                CApi.PyBuffer_Release(pyBuffer);
            }
        }

        /** Called attached, on the lifecycle thread, before the interpreter ends. */
        private void releaseBeforeEnd() {
            if (released.compareAndSet(false, true)) {
                arena.close();
            }
            releaseExport();
        }
    }

    /**
     * Exports a buffer of {@code ref}'s object, contiguous or not; the view keeps the object alive (and its export
     * held) until released.
     *
     * @throws dev.tether.PythonException if the object exports no buffer
     */
    public static View export(Ref ref) {
        return Bridge.with(ref, o -> {
            MemorySegment pyBuffer = Arena.ofAuto().allocate(Layouts.PY_BUFFER);
            if (CApi.PyObject_GetBuffer(o, pyBuffer, PYBUF_FULL_RO) < 0) {
                throw Errors.fetch(ref.interpreter);
            }
            ObjectHeader.BufferFields fields = ObjectHeader.bufferFields(pyBuffer);
            if (fields.indirect()) {
                CApi.PyBuffer_Release(pyBuffer);
                throw Failures.indirectBuffer(PyTypes.typeName(o));
            }
            Arena arena = Arena.ofShared();
            long[] extent = extent(fields.shape(), fields.strides(), fields.itemSize());
            MemorySegment data = ObjectHeader.bufferExtent(fields.buf() + extent[0], extent[1] - extent[0], arena);
            Shape shape = new Shape(fields.format(), fields.itemSize(), fields.shape(), fields.strides(), -extent[0],
                    isContiguous(fields.shape(), fields.strides(), fields.itemSize()));
            View view = new View(ref.interpreter, pyBuffer, arena, fields.readOnly() ? data.asReadOnly() : data,
                    fields.readOnly(), shape);
            ref.interpreter.beforeEnd(view.beforeEnd);
            return view;
        });
    }

    /**
     * The bytes the elements span, relative to the first element: {@code [low, high)}, {@code low <= 0}. Empty
     * ({@code [0, 0)}) when a dimension has no elements.
     */
    static long[] extent(long[] shape, long[] strides, long itemSize) {
        long low = 0;
        long high = itemSize;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0) {
                return new long[] {0, 0};
            }
            long span = (shape[i] - 1) * strides[i];
            if (span < 0) {
                low += span;
            } else {
                high += span;
            }
        }
        return new long[] {low, high};
    }

    /** CPython's rule for C-contiguity ({@code PyBuffer_IsContiguous(view, 'C')}): dimensions of length 1 may have any stride. */
    static boolean isContiguous(long[] shape, long[] strides, long itemSize) {
        for (long d : shape) {
            if (d == 0) {
                return true;
            }
        }
        long expected = itemSize;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] > 1 && strides[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }
}
