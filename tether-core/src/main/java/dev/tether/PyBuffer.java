package dev.tether;

import dev.tether.internal.bridge.Buffers;
import java.lang.foreign.MemorySegment;

/**
 * The memory of a bytes-like Python object ({@code bytes}, {@code bytearray}, {@code memoryview}, array...),
 * exported through the buffer protocol without copying.
 *
 * <h2 id="lifecycle">Lifecycle</h2>
 * The {@linkplain #segment() segment} is valid until the buffer is {@linkplain #close() closed}, or the interpreter
 * ends, whichever comes first; after that every access fails with {@link IllegalStateException} ("already closed")
 * instead of reading freed memory, as with a closed {@link java.lang.foreign.Arena}. While it is open the exporting
 * object stays alive (and a {@code bytearray} cannot be resized); once it is closed the exporter is released, also
 * when the close came from a thread attached to another interpreter (then at the owner's next attachment).
 *
 * <h2 id="thread-safety">Thread safety</h2>
 * The segment may be read from any thread (it is a shared segment); closing may happen on any thread.
 *
 * <h2 id="errors">Errors</h2>
 * Reading a closed buffer throws {@link IllegalStateException} from the FFM API; writing a read-only one throws
 * {@link UnsupportedOperationException}.
 *
 * @apiNote Closing is idempotent.
 */
public final class PyBuffer implements AutoCloseable {
    private final Buffers.View view;

    PyBuffer(Buffers.View view) {
        this.view = view;
    }

    /** The exported bytes; read-only unless the object is writable (a {@code bytearray}, for example). */
    public MemorySegment segment() {
        return view.segment();
    }

    /** Whether the exporting object forbids writes. */
    public boolean isReadOnly() {
        return view.isReadOnly();
    }

    /** Releases the buffer: the segment becomes inaccessible. */
    @Override
    public void close() {
        view.release();
    }

    @Override
    public String toString() {
        return "PyBuffer[" + (view.isReleased() ? "closed" : view.segment().byteSize() + " bytes") + "]";
    }
}
