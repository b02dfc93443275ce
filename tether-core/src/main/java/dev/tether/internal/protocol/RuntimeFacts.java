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
 * @param gilstateFollowsAttach 3.12+: every attach points the thread's gilstate slot at the thread state attached,
 *                              and nothing but another attach (or deleting that thread state) moves it
 *                              (F-GILSTATE-FOLLOWS-ATTACH); before, the slot is set once, by the first thread state
 *                              created while it is empty (F-GILSTATE-FIRST-WINS)
 * @param endDeletesLeftovers   3.14+: {@code Py_EndInterpreter} deletes the thread states still left in the
 *                              interpreter itself, without touching any gilstate slot; 3.12-3.13 abort with "not the
 *                              last thread" instead (F-END-LAST-THREAD)
 * @param cachesSubinterpreterThreadStates whether a thread may keep an idle thread state of a subinterpreter
 *                              between attachments (see {@link IdleThreadStates}): 3.12+ only, and not on 3.12-3.13
 *                              debug builds, where the idle thread state of a thread that died can neither be deleted
 *                              from another thread (an assertion) nor be left to {@code Py_EndInterpreter} (which
 *                              aborts). Before 3.12 the gilstate slot never follows an attach (F-GILSTATE-FIRST-WINS),
 *                              so a kept subinterpreter thread state would need the slot held elsewhere, and C code
 *                              calling {@code PyGILState_Ensure} in the subinterpreter (sqlite3's callbacks, ctypes)
 *                              would then switch to that other thread state and wait forever for the GIL its own
 *                              thread holds (F-GILSTATE-ENSURE-SUB)
 */
public record RuntimeFacts(int minor, boolean debug, boolean threadLocalCurrent, boolean canReapDeadThreads,
                           boolean starvationProne, boolean gilstateFollowsAttach, boolean endDeletesLeftovers,
                           boolean cachesSubinterpreterThreadStates) {

    public static RuntimeFacts of(int minor, boolean debug) {
        return new RuntimeFacts(minor, debug, minor >= 12, minor < 12 || !debug, minor <= 11, minor >= 12,
                minor >= 14, minor >= 12 && !(debug && (minor == 12 || minor == 13)));
    }
}
