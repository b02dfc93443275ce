package dev.tether.internal.protocol;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.capi.LibC;
import dev.tether.internal.capi.RecursionCounter;
import java.lang.foreign.MemorySegment;

/**
 * Fits CPython's recursion protection of a new thread state to the stack of the Java thread that owns it, so that
 * code going too deep raises {@code RecursionError} instead of overflowing the stack (F-STACK-*).
 *
 * <p>CPython 3.9-3.13 stop C recursion at a fixed count of levels (F-STACK-COUNTER) chosen for the 8 MB stack of a
 * main thread; a Java thread has 1 MB or less, and the JVM keeps guard zones at its low end. So the counter of a
 * thread state made on a small stack is charged, once, with the levels that stack cannot hold: they count as used
 * from the start. CPython 3.14+ check the real stack address instead (F-STACK-ADDRESS), but they take the whole
 * stack as theirs; they are told where it really ends, above the JVM's zones.
 *
 * <p>Called on the owner thread, attached, right after the thread state was made and first attached there;
 * {@link #unfit} gives the levels back before the owner deletes it.
 */
final class StackBudget {
    private StackBudget() {}

    /** The JVM's guard zones at the low end of a Java thread's stack: reserved, yellow and red pages (1+2+1 × 4 KiB). */
    static final long JVM_GUARD_ZONES = 16 << 10;

    /**
     * Stack the JVM needs below a Java frame (its shadow zone, 20 × 4 KiB): a Java callback called from Python at the
     * deepest point must still find it, or it fails with {@code StackOverflowError} at once.
     */
    static final long JVM_SHADOW_ZONE = 80 << 10;

    /** For attachments made later through deeper Java frames than the one that made the thread state. */
    static final long LATER_JAVA_FRAMES = 32 << 10;

    /** Levels CPython grants past its limit to handle the {@code RecursionError} (3.9-3.13: 50), and one more. */
    static final int ERROR_HEADROOM_LEVELS = 51;

    /**
     * Stack bytes per counted level on the worst paths measured, CPython 3.9 to 3.13 (F-STACK-BYTES-PER-LEVEL):
     * Python code called back from C through a descriptor, an attribute hook, an import hook...
     */
    private static final int[] WORST_BYTES_PER_LEVEL = {1088, 1040, 992, 589, 629};

    /** Headroom over the worst measured path: paths not measured (C extensions, other slots) may use more. */
    private static final double MARGIN = 1.25;

    /** Debug builds use several times the stack per level (not measured here for 3.9-3.13). */
    private static final int DEBUG_FACTOR = 3;

    /** Levels always left, however small the stack: imports alone nest about 30 deep on 3.9. */
    private static final int MIN_LEVELS = 150;

    /**
     * Fits the recursion protection of {@code ts}, the thread state just made and attached on this thread.
     *
     * @return the levels charged, to give back with {@link #unfit}
     */
    static int fit(RuntimeFacts facts, MemorySegment ts) {
        LibC.Stack stack = LibC.currentStack();
        if (stack == null) {
            return 0;
        }
        if (CApi.hasSetStackProtection()) {
            protect(ts, stack);
            return 0;
        }
        if (facts.minor() > 13 || !RecursionCounter.find(ts)) {
            return 0;
        }
        int charge = charge(facts, ts, stack);
        RecursionCounter.charge(ts, charge);
        return charge;
    }

    /** Gives back what {@link #fit} charged, before the owner deletes {@code ts} (attached). */
    static void unfit(MemorySegment ts, int charge) {
        if (charge != 0) {
            RecursionCounter.charge(ts, -charge);
        }
    }

    /** 3.14+: CPython's limits measured from the JVM's zones rather than from the end of the stack (F-STACK-ADDRESS). */
    private static void protect(MemorySegment ts, LibC.Stack stack) {
        long start = stack.low() + JVM_GUARD_ZONES + JVM_SHADOW_ZONE;
        if (CApi.PyUnstable_ThreadState_SetStackProtection(ts, MemorySegment.ofAddress(start),
                stack.high() - start) != 0) {
            CApi.PyErr_Clear();    // a stack too small to protect: CPython keeps its own limits
        }
    }

    /**
     * The levels {@code stack} cannot hold, on 3.9-3.13.
     * <ol>
     *   <li>Take what lies below the stack pointer, less the JVM's zones, deeper Java frames later, and the
     *       headroom CPython grants past its limit.</li>
     *   <li>Divide by the worst stack use per level, with margin: the levels the stack holds.</li>
     *   <li>Charge the levels the counter has left beyond that, leaving at least {@link #MIN_LEVELS}.</li>
     * </ol>
     */
    private static int charge(RuntimeFacts facts, MemorySegment ts, LibC.Stack stack) {
        double perLevel = WORST_BYTES_PER_LEVEL[facts.minor() - 9] * MARGIN * (facts.debug() ? DEBUG_FACTOR : 1);
        long usable = stack.below() - JVM_GUARD_ZONES - JVM_SHADOW_ZONE - LATER_JAVA_FRAMES
                - (long) (ERROR_HEADROOM_LEVELS * perLevel);
        long holds = Math.max(MIN_LEVELS, (long) (Math.max(0, usable) / perLevel));
        return (int) Math.max(0, RecursionCounter.left(ts) - holds);
    }
}
