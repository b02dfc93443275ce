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

    /** Prunes the bindings of terminated threads of {@code interpreter} now (the reaper may still be running). */
    public static void prune(Interpreter interpreter) {
        dev.tether.internal.protocol.IdleThreadStates.pruneTerminated(interpreter.impl);
    }

    /** How many threads the deferred end of {@code interpreter} waits for; 0 if its end is not deferred. */
    public static int deferredWaiting(Interpreter interpreter) {
        var end = interpreter.impl.deferredEnd();
        return end == null ? 0 : end.waiting();
    }

    /** Whether CPython has ended {@code interpreter} (a deferred end comes later than the handle's CLOSED). */
    public static boolean endedInCPython(Interpreter interpreter) {
        return interpreter.impl.endedInCPython();
    }

    /**
     * Whether the calling thread's gilstate slot ({@code PyGILState_GetThisThreadState}) is empty or points at a
     * thread state that still exists in one of {@code interpreters} that CPython has not ended: never at freed
     * memory. Reads CPython's thread lists without a lock: call it while no thread creates or deletes thread
     * states in those interpreters.
     */
    public static boolean gilstateSlotValid(Iterable<Interpreter> interpreters) {
        MemorySegment slot = CApi.PyGILState_GetThisThreadState();
        if (slot.equals(MemorySegment.NULL)) {
            return true;
        }
        for (Interpreter i : interpreters) {
            if (i.impl.endedInCPython()) {
                continue;
            }
            for (MemorySegment t = CApi.PyInterpreterState_ThreadHead(i.impl.pointer());
                 !t.equals(MemorySegment.NULL); t = CApi.PyThreadState_Next(t)) {
                if (t.equals(slot)) {
                    return true;
                }
            }
        }
        return false;
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
