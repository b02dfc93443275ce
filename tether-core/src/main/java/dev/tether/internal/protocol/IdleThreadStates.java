package dev.tether.internal.protocol;

import dev.tether.internal.capi.CApi;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The idle thread states threads keep between attachments: deleting them at a thread's end, when a thread closes an
 * interpreter it used, when their owners terminated (the reaper), and at the end of a subinterpreter.
 *
 * <h2 id="idle">Why and how</h2>
 * Creating and deleting a thread state costs 1.5-3 µs on 3.12+ and takes the runtime's lock (F-COSTS), so every
 * platform thread keeps an idle thread state per interpreter it used, main or sub, and re-attaches it next time
 * ({@link Binding#cached}). For the main interpreter that is safe because it ends only with the runtime. A
 * subinterpreter ends on its own, and its idle thread states must then go:
 * <ul>
 *   <li>3.12-3.13 abort in {@code Py_EndInterpreter} if any is left (F-END-LAST-THREAD); 3.14+ delete the leftovers
 *       themselves.</li>
 *   <li>Their owners are idle: they cannot be asked to delete their own. Deleting one from the ending thread is
 *       harmless for CPython if the owner's gilstate slot no longer points at it (F-UNBOUND-DELETE), and fatal later
 *       if it does: the owner's next attach writes into the freed thread state (F-GILSTATE-REBIND).</li>
 *   <li>On 3.12+ the slot follows every attach and nothing else moves it without taking a GIL
 *       (F-GILSTATE-FOLLOWS-ATTACH): after releasing its subinterpreter the owner's slot stays there until it
 *       attaches something else. Before 3.12 the slot is set once, by the first thread state created on the thread
 *       (F-GILSTATE-FIRST-WINS).</li>
 * </ul>
 * So each binding records whether the owner's slot points at its thread state ({@link Binding#gilstateBound},
 * written by the owner right after CPython moved the slot, {@link GilstateSlots#noteAttached}), and the end of a subinterpreter
 * ({@link #sweepIdle}, once the gate has drained, so no owner can attach there again) deletes every idle thread
 * state that no live slot points at: those of terminated owners and those whose owners attached elsewhere since.
 * If a live owner's slot still points at its idle thread state there, CPython's end is <em>deferred</em>
 * ({@link DeferredEnd}): the interpreter is closed for Tether, but {@code Py_EndInterpreter} runs only once each
 * such owner has moved its slot (any later attach anywhere does; a refused one parks the slot on the main
 * interpreter, {@link GilstateSlots#parkGilstate}; Tether's own idle threads do so while they wait, {@link #retireIdle}) or
 * terminated, or once the runtime ends and no thread can attach anything any more. Before 3.12 no subinterpreter
 * thread state is kept (created at the outermost attachment, deleted at its release, as CPython's own
 * {@code PyGILState} calls in that subinterpreter need it to hold the slot, F-GILSTATE-ENSURE-SUB), so nothing is
 * deferred; on 3.12-3.13 debug builds none is kept either ({@link RuntimeFacts#cachesSubinterpreterThreadStates()}).
 *
 * <p>Considered and rejected: moving the slot off at every release (on 3.12+ only an attach moves it, so each release
 * would take the main GIL: one lock for all threads again); dedicated threads per interpreter (a hand-over costs
 * microseconds, more than the whole cached attach); deleting at every release (the old way: 3-6x the cached cost).
 */
public final class IdleThreadStates {
    private IdleThreadStates() {}

    /**
     * Deletes the idle thread states the calling thread keeps, on this thread (their owner). Called by threads
     * Tether owns before they end; harmless anywhere.
     */
    public static void dropCachedThreadStates() {
        if (Thread.currentThread().isVirtual()) {
            return;
        }
        ThreadRecord record = ThreadStates.RECORD.get();
        if (record.top != null) {
            return; // still attached somewhere: not the end of this thread's work
        }
        for (Binding binding : record.bindings()) {
            if (binding.cached == null || binding.depth != 0) {
                continue;
            }
            InterpreterImpl interpreter = binding.interpreter;
            if (!interpreter.gate().tryHoldThread(binding)) {
                // Closing or closed: its end deletes the thread state (or CPython does, for the main interpreter)
                // once this thread has ended; the binding stays registered so that the end finds it.
                continue;
            }
            MemorySegment ts = binding.cached;
            binding.cached = null;
            CApi.PyEval_RestoreThread(ts);
            GilstateSlots.noteAttached(record, binding);
            StackBudget.unfit(ts, binding.stackCharge);
            CApi.PyThreadState_Clear(ts);
            CApi.PyThreadState_DeleteCurrent();
            GilstateSlots.noteDeleted(record, binding);
            interpreter.gate().releaseThread(binding);
            interpreter.gate().unregister(binding);
            record.remove(binding);
        }
    }

    /**
     * Deletes the calling thread's idle thread state of {@code interpreter} on this thread (its owner): for a thread
     * about to close an interpreter it used, so that the end does not wait for the closer itself. Nothing if the
     * thread keeps none there, holds the interpreter, or has something attached (its gilstate slot then points at
     * that, not here).
     */
    public static void dropIdle(InterpreterImpl interpreter) {
        if (Thread.currentThread().isVirtual()) {
            return;
        }
        ThreadRecord record = ThreadStates.RECORD.get();
        Binding binding = record.lookup(interpreter);
        if (binding == null || binding.cached == null || binding.depth != 0 || record.current != null
                || ThreadStates.foreignThreadState(interpreter.facts()) != null || !interpreter.gate().tryHoldThread(binding)) {
            return;
        }
        MemorySegment ts = binding.cached;
        binding.cached = null;
        ThreadStates.restore(interpreter, ts);
        GilstateSlots.noteAttached(record, binding);
        StackBudget.unfit(ts, binding.stackCharge);
        CApi.PyThreadState_Clear(ts);
        CApi.PyThreadState_DeleteCurrent();
        GilstateSlots.noteDeleted(record, binding);
        interpreter.gate().releaseThread(binding);
    }

    /**
     * For Tether's own threads while they wait for work (carriers, pool workers): if this thread's gilstate slot
     * points at its idle thread state of an interpreter that is closing, moves it away, so that the interpreter's
     * end need not wait for this thread (see <a href="#idle">Idle thread states</a>). One field read otherwise.
     */
    public static void retireIdle() {
        if (Thread.currentThread().isVirtual()) {
            return;
        }
        ThreadRecord record = ThreadStates.RECORD.get();
        if (GilstateSlots.mustPark(record)) {
            GilstateSlots.parkGilstate(record);
        }
    }

    // ---- reclaiming the thread states of terminated threads ---------------------------------------------------

    /**
     * Forgets the bindings of terminated threads and deletes the thread states they kept. Holds the gate (a shared
     * hold, handed to the reaper) while it takes them, so that the interpreter cannot end meanwhile; if the gate
     * refuses, the interpreter is closing and its end takes them instead ({@link #sweepIdle}).
     */
    static void prune(InterpreterImpl interpreter) {
        Gate gate = interpreter.gate();
        if (!gate.tryHoldShared()) {
            return;
        }
        List<Binding> taken = new ArrayList<>();
        List<MemorySegment> orphans = new ArrayList<>();
        boolean handedOver = false;
        try {
            boolean reap = interpreter.facts().canReapDeadThreads();
            for (Binding b : gate.bindings()) {
                if (b.owner.isAlive() || b.depth != 0) {
                    continue;
                }
                MemorySegment ts = b.cached; // the owner has terminated: its writes are visible (JLS 17.4.5)
                if (ts != null && !b.claimCached(ts)) {
                    continue; // another pruner took it
                }
                gate.unregister(b);
                if (ts != null && reap) {
                    taken.add(b);
                    orphans.add(ts);
                } else if (ts != null) {
                    // A 3.12+ debug build: deleting it from here would trip CPython's assertion. It stays in
                    // CPython's list until the interpreter ends (Py_FinalizeEx, or Py_EndInterpreter on 3.14+;
                    // 3.12-3.13 debug builds keep none, see RuntimeFacts).
                    interpreter.leaveToCPython(ts);
                }
            }
            interpreter.pruneThreshold = Math.max(InterpreterImpl.MIN_PRUNE_THRESHOLD, 2 * gate.bindingCount());
            if (!orphans.isEmpty()) {
                startReaper(interpreter, orphans);
                handedOver = true;
            }
        } catch (RuntimeException | Error e) {
            for (int i = 0; i < taken.size(); i++) { // give them back: the interpreter's end must find them
                taken.get(i).cached = orphans.get(i);
                gate.register(taken.get(i));
            }
            throw e;
        } finally {
            if (!handedOver) {
                gate.releaseShared();
            }
        }
    }

    /** Prunes the bindings of terminated threads of {@code interpreter} now (diagnostics and tests). */
    public static void pruneTerminated(InterpreterImpl interpreter) {
        prune(interpreter);
    }

    /** Deletes {@code orphans} on a fresh thread, which then releases the shared hold prune took. */
    private static void startReaper(InterpreterImpl interpreter, List<MemorySegment> orphans) {
        Thread.ofPlatform().daemon().name("tether-reaper").start(() -> {
            try {
                if (deleteOnFreshThread(interpreter, orphans)) {
                    interpreter.reaped.addAndGet(orphans.size());
                }
            } finally {
                interpreter.gate().releaseShared();
            }
        });
    }

    /**
     * Deletes thread states whose owners cannot (they have terminated, or can never attach again), on the calling
     * thread, which must be a fresh one that owns nothing else: on 3.12+ deleting a gilstate-bound thread state
     * clears the deleting thread's own gilstate slot (F-REAP-FRESH-THREAD), so the thread doing it must have nothing
     * there worth keeping. The caller keeps the interpreter from ending meanwhile, and nobody else may hold its GIL
     * for long.
     *
     * @return false if CPython could not allocate the thread state needed to do it (they stay)
     */
    private static boolean deleteOnFreshThread(InterpreterImpl interpreter, List<MemorySegment> orphans) {
        MemorySegment own = CApi.PyThreadState_New(interpreter.pointer());
        if (own.equals(MemorySegment.NULL)) {
            return false;
        }
        CApi.PyEval_RestoreThread(own);
        for (MemorySegment ts : orphans) {
            CApi.PyThreadState_Clear(ts);
            CApi.PyThreadState_Delete(ts);
        }
        CApi.PyThreadState_Clear(own);
        CApi.PyThreadState_DeleteCurrent();
        return true;
    }

    // ---- the end of a subinterpreter ------------------------------------------------------------------------

    /**
     * The idle thread states Java threads keep in {@code interpreter} (and those left for CPython to delete): what
     * its end, waiting for the thread states of Python's own threads to go, must not count.
     */
    public static Set<MemorySegment> idleThreadStates(InterpreterImpl interpreter) {
        Set<MemorySegment> idle = new HashSet<>(interpreter.leftToCPython());
        for (Binding b : interpreter.gate().bindings()) {
            MemorySegment ts = b.cached;
            if (ts != null) {
                idle.add(ts);
            }
        }
        return idle;
    }

    /**
     * Deletes the idle thread states threads kept in {@code interpreter}, for its end (see
     * <a href="#idle">Idle thread states</a>). Called on the thread that ends it, attached to the interpreter's
     * first thread state, once the gate has drained: no owner can attach there again.
     *
     * <ol>
     *   <li>One that no live owner's gilstate slot points at (its owner terminated, or attached something else
     *       since): deleted here (F-UNBOUND-DELETE), or, if a terminated owner's slot still points at it, left to
     *       {@code Py_EndInterpreter} (3.14+) or deleted from a fresh thread (3.12-3.13 release builds; debug builds
     *       keep none: F-REAP-FRESH-THREAD). Before 3.12 no idle one is ever slot-bound.</li>
     *   <li>One a live owner's slot points at: unless {@code force}, the end must wait. The waits are published as a
     *       {@link DeferredEnd} on the interpreter, then checked again: an owner first clears
     *       {@link Binding#gilstateBound}, then looks for a deferred end ({@link GilstateSlots#noteAttached}), so either this
     *       second look sees it moved, or the owner sees the deferred end and pokes it.</li>
     * </ol>
     *
     * @param force also take those of live owners: only once no Java thread can attach anything any more (the
     *              runtime's end, after every gate drained), when a slot left pointing at freed memory is never used
     * @return null if the interpreter may end now; else what its end waits for (published on the interpreter)
     * @throws dev.tether.ThreadStateException OUT_OF_MEMORY if CPython could not give the fresh thread a thread
     *                                         state (the interpreter must not end then: 3.12-3.13 would abort)
     */
    public static DeferredEnd sweepIdle(InterpreterImpl interpreter, boolean force) {
        while (true) {
            List<Binding> waitFor = new ArrayList<>();
            List<MemorySegment> fresh = new ArrayList<>();
            for (Binding b : interpreter.gate().bindings()) {
                MemorySegment ts = b.cached;
                if (ts == null) {
                    continue;
                }
                boolean alive = b.owner.isAlive();
                boolean bound = b.gilstateBound; // after isAlive(): a terminated owner's last write is visible
                if (bound && alive && !force) {
                    waitFor.add(b);
                } else if (b.claimCached(ts)) {
                    interpreter.gate().unregister(b);
                    if (!bound) {
                        CApi.PyThreadState_Clear(ts);
                        CApi.PyThreadState_Delete(ts);
                    } else if (interpreter.facts().endDeletesLeftovers()) {
                        interpreter.leaveToCPython(ts);
                    } else {
                        fresh.add(ts);
                    }
                }
            }
            if (!fresh.isEmpty() && !deleteFromFreshThread(interpreter, fresh)) {
                throw Failures.idleNotDeleted(interpreter, fresh.size());
            }
            if (waitFor.isEmpty()) {
                return null;
            }
            DeferredEnd deferred = new DeferredEnd(interpreter, waitFor);
            interpreter.deferredEnd(deferred); // publish, then look again
            if (!deferred.resolved()) {
                return deferred;
            }
            interpreter.deferredEnd(null); // they all moved meanwhile: another pass deletes theirs
        }
    }

    /**
     * The ending thread's part of {@link #deleteOnFreshThread}: it gives up the interpreter's GIL while a fresh
     * thread deletes them, and attaches its own thread state again afterwards.
     */
    private static boolean deleteFromFreshThread(InterpreterImpl interpreter, List<MemorySegment> orphans) {
        boolean[] deleted = new boolean[1];
        CApi.PyEval_SaveThread();
        try {
            Thread reaper = Thread.ofPlatform().daemon().name("tether-reaper")
                    .start(() -> deleted[0] = deleteOnFreshThread(interpreter, orphans));
            boolean interrupted = false;
            while (true) {
                try {
                    reaper.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        } finally {
            ThreadStates.restore(interpreter, interpreter.initialThreadState());
        }
        return deleted[0]; // join() orders the reaper's write before this read
    }
}
