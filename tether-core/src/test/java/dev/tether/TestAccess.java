package dev.tether;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.MemorySegment;

/** What the tests may see beneath the public API (they run on the class path, in this package). */
public final class TestAccess {
    private TestAccess() {}

    public static InterpreterImpl impl(Interpreter interpreter) {
        return interpreter.impl;
    }

    /**
     * How many CPython thread states {@code interpreter} has. The calling thread attaches to it to read the list
     * safely.
     */
    public static int threadStates(Interpreter interpreter) {
        return interpreter.call(ts -> {
            int count = 0;
            for (MemorySegment t = CApi.PyInterpreterState_ThreadHead(interpreter.impl.pointer());
                 !t.equals(MemorySegment.NULL); t = CApi.PyThreadState_Next(t)) {
                count++;
            }
            return count;
        });
    }

    /** Whether a Python error indicator is set on the calling thread (which must be attached). */
    public static boolean errorPending() {
        return !CApi.PyErr_Occurred().equals(MemorySegment.NULL);
    }

    /** Thread states of terminated threads deleted so far in {@code interpreter}. */
    public static long reaped(Interpreter interpreter) {
        return interpreter.impl.reapedThreadStates();
    }

    /** How many Java memories numpy arrays in Python pin now ({@code ThreadState.toNumpy}). */
    public static long pinnedArrays() {
        return dev.tether.internal.bridge.NumpyArrays.pinned();
    }

    /** How many proxies and views Python holds in {@code interpreter}. */
    public static int liveProxies(Interpreter interpreter) {
        return interpreter.call(ts -> dev.tether.internal.bridge.JavaObjects.liveProxies(interpreter.impl));
    }

    /** How many Java buffers Python holds, in every interpreter. */
    public static int liveBuffers() {
        return dev.tether.internal.bridge.JavaObjects.liveBuffers();
    }
}
