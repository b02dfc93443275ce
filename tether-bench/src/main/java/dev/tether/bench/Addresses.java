package dev.tether.bench;

import dev.tether.Interpreter;
import dev.tether.internal.capi.CApi;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * Reads what the raw baselines need through Tether on a short-lived thread of its own: a thread that attaches
 * keeps an idle thread state there (also of a subinterpreter), and a raw baseline's worker thread must have none.
 */
final class Addresses {
    private Addresses() {}

    /** {@code PyInterpreterState *} of {@code interpreter}. */
    static MemorySegment of(Interpreter interpreter) {
        MemorySegment[] pointer = new MemorySegment[1];
        onOtherThread(() -> pointer[0] = interpreter.call(
                ts -> CApi.PyThreadState_GetInterpreter(CApi.PyThreadState_Get())));
        return pointer[0];
    }

    /** Runs {@code work} attached to {@code interpreter} on a short-lived thread. */
    static void run(Interpreter interpreter, Consumer<dev.tether.ThreadState> work) {
        onOtherThread(() -> interpreter.run(work));
    }

    private static void onOtherThread(Runnable work) {
        Thread t = Thread.ofPlatform().name("bench-setup").start(work);
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
