package dev.tether.internal.capi;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The counter CPython 3.9-3.13 checks its C recursion against, in a thread state (F-STACK-COUNTER): {@code
 * recursion_depth} counting up to the recursion limit (3.9, 3.10), {@code recursion_remaining} counting down
 * (3.11), {@code c_recursion_remaining} counting down from a compile-time limit (3.12, 3.13).
 *
 * <p>Its offset differs per version and build, and {@code Py_EnterRecursiveCall} is what moves it, so it is found by
 * watching one call: the one {@code int} among the first bytes of the thread state that moves by exactly one is the
 * counter, and the way it moves tells its direction. Charging the counter by a number of levels then costs one write
 * instead of that many calls (a subinterpreter's thread state is made at every outermost attachment).
 */
public final class RecursionCounter {
    private RecursionCounter() {}

    /** How far into the thread state the counter is looked for: it is among the first fields in 3.9-3.13. */
    private static final int SEARCHED_BYTES = 128;

    /** Offset and direction (+1: counts levels up; -1: counts what is left down) once found; 0 direction: none. */
    private record Found(long offset, int direction) {}

    /** Found once, on the first call; a race finds the same. */
    private static volatile Found found;

    /**
     * Whether the counter was found; finds it on the first call. Requires {@code tstate} to be attached to the
     * calling thread, with no exception set.
     */
    public static boolean find(MemorySegment tstate) {
        Found f = found;
        if (f == null) {
            found = f = search(tstate.reinterpret(SEARCHED_BYTES));
        }
        return f.direction != 0;
    }

    /**
     * Levels left before {@code RecursionError}: the recursion limit less the depth on 3.9-3.10, the counter itself
     * on 3.11-3.13. Requires {@code tstate} to be the attached thread state (3.9-3.10 read its interpreter's limit).
     */
    public static int left(MemorySegment tstate) {
        Found f = found;
        int value = tstate.reinterpret(SEARCHED_BYTES).get(JAVA_INT, f.offset);
        return f.direction > 0 ? CApi.Py_GetRecursionLimit() - value : value;
    }

    /** Counts {@code levels} more as used (fewer left), or, for a negative number, gives them back. */
    public static void charge(MemorySegment tstate, int levels) {
        Found f = found;
        MemorySegment ts = tstate.reinterpret(SEARCHED_BYTES);
        ts.set(JAVA_INT, f.offset, ts.get(JAVA_INT, f.offset) + f.direction * levels);
    }

    private static Found search(MemorySegment ts) {
        int[] before = ts.toArray(JAVA_INT);
        int entered;
        try (Arena arena = Arena.ofConfined()) {
            entered = CApi.Py_EnterRecursiveCall(arena.allocateFrom(""));
        }
        int[] after = ts.toArray(JAVA_INT);
        if (entered != 0) {
            CApi.PyErr_Clear();
            return new Found(0, 0);
        }
        CApi.Py_LeaveRecursiveCall();
        Found result = new Found(0, 0);
        for (int i = 0; i < before.length; i++) {
            int delta = after[i] - before[i];
            if (delta == 1 || delta == -1) {
                if (result.direction != 0) {
                    return new Found(0, 0);   // two candidates: not sure which, so none
                }
                result = new Found((long) i * Integer.BYTES, delta);
            }
        }
        return result;
    }
}
