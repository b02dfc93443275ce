package dev.tether.internal.bridge;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.capi.Layouts;
import dev.tether.internal.capi.ObjectHeader;
import dev.tether.internal.protocol.InterpreterImpl;
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
        private final AtomicBoolean released = new AtomicBoolean();
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

        /** Releases the buffer (attaching if needed); idempotent. */
        public void release() {
            if (released.compareAndSet(false, true)) {
                interpreter.cancelBeforeEnd(beforeEnd);
                arena.close();
                if (!interpreter.gate().isClosed()) {
                    Bridge.attached(interpreter, () -> {
                        CApi.PyBuffer_Release(pyBuffer);
                        return null;
                    });
                }
            }
        }

        /** Called attached, on the lifecycle thread, before the interpreter ends. */
        private void releaseBeforeEnd() {
            if (released.compareAndSet(false, true)) {
                arena.close();
                CApi.PyBuffer_Release(pyBuffer);
            }
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
