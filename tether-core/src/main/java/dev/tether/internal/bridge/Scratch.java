package dev.tether.internal.bridge;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A small block of native memory per thread for the out-parameters of C-API calls ({@code int *overflow},
 * {@code Py_ssize_t *size}): a confined arena per conversion would cost more than the conversion. Each caller uses it
 * only between two downcalls that cannot re-enter Java, so nesting never overwrites a value still needed.
 */
final class Scratch {
    private static final ThreadLocal<MemorySegment> BLOCK =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(64, 16));

    private Scratch() {}

    /** 64 bytes, 16-byte aligned, reclaimed with the thread. */
    static MemorySegment block() {
        return BLOCK.get();
    }
}
