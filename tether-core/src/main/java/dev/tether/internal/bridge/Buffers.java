package dev.tether.internal.bridge;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.capi.Layouts;
import dev.tether.internal.capi.ObjectHeader;
import dev.tether.ThreadStateException;
import dev.tether.internal.protocol.InterpreterImpl;
import dev.tether.internal.protocol.ThreadStates;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Zero-copy views of bytes-like objects through the buffer protocol. The view's segment belongs to a shared arena
 * that is closed when the view is released, or when the interpreter ends (whichever comes first), so reading a
 * released view fails with the FFM API's "already closed" error instead of reading freed memory.
 */
public final class Buffers {
    private Buffers() {}

    /** An exported buffer: its segment, and how to release it. */
    public static final class View {
        private final InterpreterImpl interpreter;
        private final MemorySegment pyBuffer;
        private final Arena arena;
        private final MemorySegment segment;
        private final boolean readOnly;
        /** Whether the segment was released (closed to Java). */
        private final AtomicBoolean released = new AtomicBoolean();
        /** Whether CPython's export was released; may happen later than {@link #released}. */
        private final AtomicBoolean exportReleased = new AtomicBoolean();
        private final Runnable beforeEnd = this::releaseBeforeEnd;

        private View(InterpreterImpl interpreter, MemorySegment pyBuffer, Arena arena, MemorySegment segment,
                     boolean readOnly) {
            this.interpreter = interpreter;
            this.pyBuffer = pyBuffer;
            this.arena = arena;
            this.segment = segment;
            this.readOnly = readOnly;
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

    /** Exports a contiguous buffer of {@code ref}'s object; the view keeps the object alive. */
    public static View export(Ref ref) {
        return Bridge.with(ref, o -> {
            Arena arena = Arena.ofShared();
            MemorySegment pyBuffer = Arena.ofAuto().allocate(Layouts.PY_BUFFER);
            if (CApi.PyObject_GetBuffer(o, pyBuffer, 0) < 0) {
                arena.close();
                throw Errors.fetch(ref.interpreter);
            }
            boolean readOnly = ObjectHeader.bufferReadOnly(pyBuffer);
            MemorySegment data = ObjectHeader.bufferView(pyBuffer, arena);
            View view = new View(ref.interpreter, pyBuffer, arena, readOnly ? data.asReadOnly() : data, readOnly);
            ref.interpreter.beforeEnd(view.beforeEnd);
            return view;
        });
    }
}
