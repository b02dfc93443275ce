package dev.tether.internal.protocol;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.capi.LibC;
import dev.tether.internal.capi.RecursionCounter;
import java.lang.foreign.Arena;
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
public final class StackBudget {
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

    /**
     * Stack one call from Python into Java and back takes in Java frames, with margin (measured: 5.0-6.5 KiB), which
     * CPython 3.9-3.13 cannot see: each Java callback counts as that many bytes of levels (F-STACK-CALLBACK).
     */
    static final int JAVA_CALLBACK_BYTES = 8 << 10;

    /**
     * The owner's stack, measured at its first thread state (about 1 µs: {@code getcontext} saves the signal mask);
     * a subinterpreter's thread state is made at every outermost attachment. Null if libc cannot tell.
     */
    private static final ThreadLocal<LibC.Stack> STACK = ThreadLocal.withInitial(LibC::currentStack);

    /** What {@link #enterCallback} tells CPython where the recursion stopped. */
    private static final MemorySegment IN_A_JAVA_CALLBACK = Arena.global().allocateFrom(" in a Java callback");

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
        LibC.Stack stack = STACK.get();
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

    /**
     * Before Python calls Java on {@code ts} (attached): on 3.9-3.13, counts the Java frames the call will push as
     * levels of recursion, so that Python recursing through Java stops with {@code RecursionError} while the Java
     * frames still have stack. 3.14+ see those frames on the real stack themselves. Within those levels of the limit
     * only CPython's own one is counted: 3.9 aborts past its limit + 50 while a {@code RecursionError} is handled,
     * and the headroom {@link #fit} kept below the limit holds the callback.
     *
     * @return the levels counted, for {@link #leaveCallback}; -1, with {@code RecursionError} set, if none is left
     */
    public static int enterCallback(RuntimeFacts facts, MemorySegment ts) {
        int levels = callbackLevels(facts, ts);
        if (levels == 0) {
            return 0;
        }
        int extra = RecursionCounter.left(ts) > levels ? levels - 1 : 0;
        RecursionCounter.charge(ts, extra);
        if (CApi.Py_EnterRecursiveCall(IN_A_JAVA_CALLBACK) != 0) {
            RecursionCounter.charge(ts, -extra);
            return -1;
        }
        return extra + 1;
    }

    /** After the Java callback that {@link #enterCallback} admitted returned, with {@code ts} attached again. */
    public static void leaveCallback(MemorySegment ts, int counted) {
        if (counted > 0) {
            CApi.Py_LeaveRecursiveCall();
            RecursionCounter.charge(ts, 1 - counted);
        }
    }

    private static int callbackLevels(RuntimeFacts facts, MemorySegment ts) {
        if (facts.minor() > 13 || !RecursionCounter.find(ts)) {
            return 0;
        }
        return (int) Math.ceil(JAVA_CALLBACK_BYTES / bytesPerLevel(facts));
    }

    private static double bytesPerLevel(RuntimeFacts facts) {
        return WORST_BYTES_PER_LEVEL[facts.minor() - 9] * MARGIN * (facts.debug() ? DEBUG_FACTOR : 1);
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
        double perLevel = bytesPerLevel(facts);
        long usable = stack.below() - JVM_GUARD_ZONES - JVM_SHADOW_ZONE - LATER_JAVA_FRAMES
                - (long) (ERROR_HEADROOM_LEVELS * perLevel);
        long holds = Math.max(MIN_LEVELS, (long) (Math.max(0, usable) / perLevel));
        return (int) Math.max(0, RecursionCounter.left(ts) - holds);
    }
}
