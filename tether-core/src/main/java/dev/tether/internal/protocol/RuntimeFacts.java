package dev.tether.internal.protocol;

/**
 * What the loaded CPython build means for the protocol; decided once when the runtime starts.
 *
 * @param minor                 the 3.x minor version
 * @param debug                 a {@code Py_DEBUG} build (CPython's own assertions are on)
 * @param threadLocalCurrent    whether "the current thread state" is per OS thread (3.12+); before, it names the
 *                              GIL holder whichever thread asks (F-CURRENT-IS-GIL-HOLDER)
 * @param canReapDeadThreads    whether the thread state of a terminated thread can be deleted from another thread:
 *                              always on 3.9-3.11; on 3.12+ only in release builds, because a debug build asserts
 *                              that the deleting thread's gilstate slot points at it
 * @param starvationProne       3.9 to 3.11: every interpreter shares one GIL, but a thread waiting for it asks only
 *                              its own interpreter's running thread to drop it, so a busy thread of another
 *                              interpreter never hears the request and the waiter can starve (see GilKicker)
 */
public record RuntimeFacts(int minor, boolean debug, boolean threadLocalCurrent, boolean canReapDeadThreads,
                           boolean starvationProne) {

    public static RuntimeFacts of(int minor, boolean debug) {
        return new RuntimeFacts(minor, debug, minor >= 12, minor < 12 || !debug, minor <= 11);
    }
}
