package dev.tether.internal.protocol;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.Attachment.Kind;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * Owns every thread-state transition of a Java thread: attach, nest, switch, adopt, release, and the deletion of
 * thread states (by their owner, by the reaper once the owner terminated, or by the end of their interpreter).
 * Nothing else calls {@code PyEval_RestoreThread}/{@code PyEval_SaveThread} for user threads.
 *
 * <h2>Rules kept here</h2>
 * <ul>
 *   <li>A thread state is created on its owner OS thread and attached only there (F-GILSTATE-REBIND, F-ONE-OS-THREAD).</li>
 *   <li>A hold on the interpreter's gate is taken before anything touches the interpreter, and released only
 *       after the thread state is detached or deleted (F-FINALIZING-ATTACH-FATAL).</li>
 *   <li>Releases are LIFO per thread, on the owner thread; a refused release changes nothing.</li>
 *   <li>A thread CPython already attached (a thread Python started, calling into Java) reuses that thread state.</li>
 *   <li>No thread state is freed while a live thread's gilstate slot points at it (F-GILSTATE-REBIND): the owner
 *       would write into it at its next attach.</li>
 * </ul>
 *
 * <h2 id="idle">Idle thread states of subinterpreters</h2>
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
 * written by the owner right after CPython moved the slot, {@link #noteAttached}), and the end of a subinterpreter
 * ({@link #sweepIdle}, once the gate has drained, so no owner can attach there again) deletes every idle thread
 * state that no live slot points at: those of terminated owners and those whose owners attached elsewhere since.
 * If a live owner's slot still points at its idle thread state there, CPython's end is <em>deferred</em>
 * ({@link DeferredEnd}): the interpreter is closed for Tether, but {@code Py_EndInterpreter} runs only once each
 * such owner has moved its slot (any later attach anywhere does; a refused one parks the slot on the main
 * interpreter, {@link #parkGilstate}; Tether's own idle threads do so while they wait, {@link #retireIdle}) or
 * terminated, or once the runtime ends and no thread can attach anything any more. Before 3.12 a subinterpreter's
 * thread state is created only once the thread's slot is taken (by a main-interpreter thread state made for the
 * purpose, {@link #anchorGilstate}), so no slot ever points there and nothing is deferred. On 3.12-3.13 debug builds
 * nothing is kept ({@link RuntimeFacts#cachesSubinterpreterThreadStates()}).
 *
 * <p>Considered and rejected: moving the slot off at every release (on 3.12+ only an attach moves it, so each release
 * would take the main GIL: one lock for all threads again); dedicated threads per interpreter (a hand-over costs
 * microseconds, more than the whole cached attach); deleting at every release (the old way: 3-6x the cached cost).
 */
public final class ThreadStates {
    private ThreadStates() {}

    /**
     * How long a thread passing through Tether lets go of the shared GIL when another thread waits for it (3.9-3.11,
     * F-SHARED-GIL-STARVATION): long enough for a waiter to take it, short against a 5 ms switch interval.
     */
    static final long YIELD_NANOS = 20_000;

    private static final ThreadLocal<ThreadRecord> RECORD = ThreadLocal.withInitial(
            () -> new ThreadRecord(Thread.currentThread()));

    /**
     * Attaches the calling thread to {@code interpreter}.
     *
     * @param guard an open guard that covers the hold even while the interpreter is closing, or null
     * @return the new {@link Attachment}, or a {@link Refusal} (nothing changed on the thread)
     */
    public static AttachOutcome ensure(InterpreterImpl interpreter, GuardImpl guard) {
        if (Thread.currentThread().isVirtual()) {
            return Failures.virtualThread(interpreter);
        }
        ThreadRecord record = RECORD.get();
        AttachOutcome outcome = attach(record, interpreter, guard);
        if (outcome instanceof Refusal && mustPark(record)) {
            parkGilstate(record); // typically: a thread retrying a subinterpreter that is closing under it
        }
        return outcome;
    }

    /** {@link #ensure} on a platform thread. */
    private static AttachOutcome attach(ThreadRecord record, InterpreterImpl interpreter, GuardImpl guard) {
        Binding binding = record.lookup(interpreter);
        if (binding != null && binding.depth > 0) {
            return nest(record, binding);
        }
        if (interpreter.gate().isClosed()) {
            return Failures.closed(interpreter);
        }
        if (binding == null) {
            binding = bind(record, interpreter);
        }
        MemorySegment foreign = record.top == null ? foreignThreadState(interpreter.facts()) : null;
        if (foreign != null && CApi.PyThreadState_GetInterpreter(foreign).equals(interpreter.pointer())) {
            return adopt(record, binding, foreign);
        }
        if (!(guard != null ? holdCovered(binding, guard) : interpreter.gate().tryHoldThread(binding))) {
            return Failures.notOpen(interpreter);
        }
        return attachNew(record, binding, foreign, guard);
    }

    /** The innermost attachment this thread ensured, or null. */
    public static Attachment current() {
        return Thread.currentThread().isVirtual() ? null : RECORD.get().top;
    }

    /**
     * Whether a thread state is attached to the calling OS thread (through Tether or by CPython itself).
     *
     * @param facts the running CPython's facts, or null if no runtime is loaded
     */
    public static boolean isAttached(RuntimeFacts facts) {
        if (Thread.currentThread().isVirtual()) {
            return false;
        }
        ThreadRecord record = RECORD.get();
        return record.current != null || (facts != null && foreignThreadState(facts) != null);
    }

    /** Whether a thread state of {@code interpreter} is the one attached to the calling OS thread. */
    public static boolean isAttached(InterpreterImpl interpreter) {
        if (Thread.currentThread().isVirtual() || interpreter.gate().isClosed()) {
            return false;
        }
        ThreadRecord record = RECORD.get();
        if (record.current != null) {
            return record.current.interpreter == interpreter;
        }
        MemorySegment foreign = foreignThreadState(interpreter.facts());
        return foreign != null && CApi.PyThreadState_GetInterpreter(foreign).equals(interpreter.pointer());
    }

    /** The interpreter whose thread state Tether attached to the calling thread, or null. */
    public static InterpreterImpl attachedInterpreter() {
        if (Thread.currentThread().isVirtual()) {
            return null;
        }
        Binding current = RECORD.get().current;
        return current == null ? null : current.interpreter;
    }

    /**
     * Detaches the thread state of {@code attachment} for a while (it must be the current one): the thread keeps
     * its hold on the interpreter, so the interpreter cannot end meanwhile. Returns a token for {@link #reattach}.
     */
    public static Object detach(Attachment attachment) {
        checkUsable(attachment, "detach");
        CApi.PyEval_SaveThread();
        attachment.record.current = null;
        return attachment.record.top;
    }

    /**
     * Re-attaches after {@link #detach}. Attachments opened meanwhile must have been released.
     *
     * @throws dev.tether.ThreadStateException RELEASE_OUT_OF_ORDER if one is still open (it is then released here,
     *                                         innermost first, so the thread is consistent again)
     */
    public static void reattach(Attachment attachment, Object token) {
        ThreadRecord record = attachment.record;
        Attachment leaked = record.top != token ? record.top : null;
        while (record.top != token && record.top != null) {
            release(record.top);
        }
        if (record.current != null) {
            CApi.PyEval_SaveThread();
        }
        CApi.PyEval_RestoreThread(attachment.binding.active);
        noteAttached(record, attachment.binding);
        record.current = attachment.binding;
        if (leaked != null) {
            throw Failures.outOfOrder(attachment, leaked);
        }
    }

    /**
     * Releases {@code attachment} and, first, any attachment opened after it that is still open (innermost first).
     * Returns how many such leaked attachments there were. For callbacks that must return to Python in the state
     * Python called them in.
     */
    public static int releaseThrough(Attachment attachment) {
        int leaked = 0;
        ThreadRecord record = attachment.record;
        while (record.top != attachment && record.top != null) {
            release(record.top);
            leaked++;
        }
        release(attachment);
        return leaked;
    }

    /** Whether the calling thread holds {@code interpreter} (an open attachment to it anywhere in its stack). */
    public static boolean holds(InterpreterImpl interpreter) {
        if (Thread.currentThread().isVirtual()) {
            return false;
        }
        Binding binding = RECORD.get().lookup(interpreter);
        return binding != null && binding.depth > 0;
    }

    /**
     * Checks that {@code attachment} may run Python now: on its owner thread, not released, and its thread state
     * is the attached one.
     */
    public static void checkUsable(Attachment attachment, String action) {
        if (attachment.record.owner != Thread.currentThread()) {
            throw Failures.wrongThread(attachment, action);
        }
        if (attachment.released) {
            throw Failures.alreadyReleased(attachment, action);
        }
        Binding current = attachment.record.current;
        if (current != attachment.binding) {
            throw Failures.notCurrent(attachment, current == null ? null : current.interpreter);
        }
    }

    /** Releases {@code attachment}, restoring what was attached before it. */
    public static void release(Attachment attachment) {
        if (attachment.record.owner != Thread.currentThread()) {
            throw Failures.wrongThread(attachment, "release");
        }
        if (attachment.released) {
            throw Failures.alreadyReleased(attachment, "release");
        }
        ThreadRecord record = attachment.record;
        if (record.top != attachment) {
            throw Failures.outOfOrder(attachment, record.top);
        }
        Binding binding = attachment.binding;
        switch (attachment.kind) {
            case NESTED -> binding.depth--;
            case SWITCH -> {
                CApi.PyEval_SaveThread();
                binding.depth--;
                record.current = null;
                reattach(record, attachment.previous, null);
            }
            case ADOPTED -> {
                // CPython's thread state stays attached: it was never ours.
                Interrupts.leaving(binding);
                binding.active = null;
                binding.adopted = false;
                record.current = null;
                binding.interpreter.gate().releaseThread(binding);
            }
            case NEW -> {
                Interrupts.leaving(binding);
                detachOwned(record, binding);
                record.current = null;
                binding.interpreter.gate().releaseThread(binding);
                reattach(record, attachment.previous, attachment.previousForeign);
            }
        }
        attachment.released = true;
        record.top = attachment.below;
    }

    /**
     * Deletes the idle thread states the calling thread keeps, on this thread (their owner). Called by threads
     * Tether owns before they end; harmless anywhere.
     */
    public static void dropCachedThreadStates() {
        if (Thread.currentThread().isVirtual()) {
            return;
        }
        ThreadRecord record = RECORD.get();
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
            noteAttached(record, binding);
            StackBudget.unfit(ts, binding.stackCharge);
            CApi.PyThreadState_Clear(ts);
            CApi.PyThreadState_DeleteCurrent();
            noteDeleted(record, binding);
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
        ThreadRecord record = RECORD.get();
        Binding binding = record.lookup(interpreter);
        if (binding == null || binding.cached == null || binding.depth != 0 || record.current != null
                || foreignThreadState(interpreter.facts()) != null || !interpreter.gate().tryHoldThread(binding)) {
            return;
        }
        MemorySegment ts = binding.cached;
        binding.cached = null;
        restore(interpreter, ts);
        noteAttached(record, binding);
        StackBudget.unfit(ts, binding.stackCharge);
        CApi.PyThreadState_Clear(ts);
        CApi.PyThreadState_DeleteCurrent();
        noteDeleted(record, binding);
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
        ThreadRecord record = RECORD.get();
        if (mustPark(record)) {
            parkGilstate(record);
        }
    }

    /** Identifiers ({@code PyThread_get_thread_ident}) of the Java threads that hold {@code interpreter} now. */
    public static long[] holderIdents(InterpreterImpl interpreter) {
        return interpreter.gate().holders().stream().mapToLong(b -> b.ident).toArray();
    }

    /** Names of the Java threads that hold {@code interpreter} now. */
    static List<String> holderNames(InterpreterImpl interpreter) {
        List<String> names = new ArrayList<>();
        for (Binding b : interpreter.gate().holders()) {
            names.add(Failures.name(b.owner) + (b.owner.isAlive() ? "" : " (terminated while attached)"));
        }
        return names;
    }

    // ---- transitions ------------------------------------------------------------------------------------------

    private static Attachment nest(ThreadRecord record, Binding binding) {
        if (record.current == binding) {
            binding.depth++;
            return push(record, binding, Kind.NESTED, null, null, null);
        }
        // Held lower in the stack while another interpreter is attached: switch back to it.
        Binding previous = record.current;
        if (previous != null) {
            CApi.PyEval_SaveThread();
        }
        restore(binding.interpreter, binding.active);
        noteAttached(record, binding);
        record.current = binding;
        binding.depth++;
        drainDeferred(binding.interpreter);
        return push(record, binding, Kind.SWITCH, previous, null, null);
    }

    private static Attachment adopt(ThreadRecord record, Binding binding, MemorySegment foreign) {
        // Already attached by CPython, so running inside the interpreter: closing waits for this thread anyway.
        binding.depth = 1;
        binding.active = foreign;
        binding.adopted = true;
        record.current = binding;
        drainDeferred(binding.interpreter);
        Interrupts.entered(binding);
        return push(record, binding, Kind.ADOPTED, null, null, null);
    }

    private static AttachOutcome attachNew(ThreadRecord record, Binding binding, MemorySegment foreign, GuardImpl guard) {
        Binding previous = record.current;
        if (previous != null || foreign != null) {
            CApi.PyEval_SaveThread();
        }
        MemorySegment ts = binding.cached;
        boolean made = ts == null;
        if (made) {
            ts = newThreadState(record, binding);
            if (ts == null) {
                binding.interpreter.gate().releaseThread(binding);
                reattach(record, previous, previous == null ? foreign : null);
                return Failures.outOfMemory(binding.interpreter);
            }
        }
        binding.cached = null;
        restore(binding.interpreter, ts);
        if (made || binding.fitPending) {
            binding.fitPending = false;
            binding.stackCharge = StackBudget.fit(binding.interpreter.facts(), ts);
        }
        noteAttached(record, binding);
        binding.active = ts;
        record.current = binding;
        drainDeferred(binding.interpreter);
        Interrupts.entered(binding);
        return push(record, binding, Kind.NEW, previous, previous == null ? foreign : null, guard);
    }

    /** Detaches the owned thread state of {@code binding}: kept for next time, or deleted here on its owner. */
    private static void detachOwned(ThreadRecord record, Binding binding) {
        MemorySegment ts = binding.active;
        binding.active = null;
        if (keepsIdle(binding)) {
            CApi.PyEval_SaveThread();
            binding.cached = ts;
        } else {
            StackBudget.unfit(ts, binding.stackCharge);
            CApi.PyThreadState_Clear(ts);
            CApi.PyThreadState_DeleteCurrent();
            noteDeleted(record, binding);
        }
    }

    /**
     * Whether {@code binding}'s thread state may stay idle for the next attachment: while its interpreter is open,
     * where the build allows it, and before 3.12 only if the thread's gilstate slot does not point at a
     * subinterpreter's one (that slot never moves, F-GILSTATE-FIRST-WINS; see {@link #anchorGilstate}).
     */
    private static boolean keepsIdle(Binding binding) {
        InterpreterImpl interpreter = binding.interpreter;
        return interpreter.cachesThreadStates() && interpreter.gate().isOpen()
                && (interpreter.isMain() || interpreter.facts().gilstateFollowsAttach() || !binding.gilstateBound);
    }

    /**
     * Creates a thread state for {@code binding} on its owner. Before 3.12 the thread's gilstate slot is set by the
     * first thread state created while it is empty, and never moves (F-GILSTATE-FIRST-WINS): a subinterpreter's
     * thread state is created only once the slot is taken, so that it can stay idle and be deleted by the
     * interpreter's end without leaving the slot dangling.
     *
     * @return the thread state, or null if CPython could not allocate one
     */
    private static MemorySegment newThreadState(ThreadRecord record, Binding binding) {
        InterpreterImpl interpreter = binding.interpreter;
        boolean firstWins = !interpreter.facts().gilstateFollowsAttach();
        if (firstWins && !interpreter.isMain() && interpreter.cachesThreadStates()
                && CApi.PyGILState_GetThisThreadState().equals(MemorySegment.NULL)) {
            anchorGilstate(record, interpreter.lifecycle().mainInterpreter());
        }
        MemorySegment ts = CApi.PyThreadState_New(interpreter.pointer());
        if (ts.equals(MemorySegment.NULL)) {
            return null;
        }
        if (firstWins) {
            binding.gilstateBound = ts.equals(CApi.PyGILState_GetThisThreadState());
        }
        return ts;
    }

    /**
     * Before 3.12: takes this thread's empty gilstate slot with an idle thread state of the main interpreter, kept
     * like any other (so it also serves the thread's first attachment to the main interpreter). Creating one needs
     * no GIL before 3.12, only a hold that keeps the main interpreter from being finalized meanwhile; if the runtime
     * is closing, nothing happens (the subinterpreter's thread state is then deleted at release, see
     * {@link #keepsIdle}).
     */
    private static void anchorGilstate(ThreadRecord record, InterpreterImpl main) {
        Binding binding = record.lookup(main);
        if (binding == null) {
            binding = bind(record, main);
        }
        if (binding.depth != 0 || binding.cached != null || !main.gate().tryHoldThread(binding)) {
            return;
        }
        MemorySegment ts = CApi.PyThreadState_New(main.pointer());
        if (!ts.equals(MemorySegment.NULL)) {
            binding.cached = ts;
            binding.fitPending = true; // fitted to this thread's stack at its first attachment (it needs the GIL)
        }
        main.gate().releaseThread(binding);
    }

    /**
     * Records that Tether just attached {@code binding}'s thread state (null: one CPython owns) to this OS thread,
     * which on 3.12+ pointed the thread's gilstate slot at it (F-GILSTATE-FOLLOWS-ATTACH). The binding the slot
     * pointed at before is told it is free: first {@link Binding#gilstateBound} is cleared (CPython's write into
     * that thread state is done by now), then a deferred end waiting for it is checked, the other half of the
     * handshake in {@link #sweepIdle}. Same binding as before (the steady state): one comparison.
     */
    private static void noteAttached(ThreadRecord record, Binding binding) {
        Binding before = record.gilstate;
        if (before == binding) {
            return;
        }
        InterpreterImpl any = binding != null ? binding.interpreter : before.interpreter;
        if (!any.facts().gilstateFollowsAttach()) {
            return;
        }
        record.gilstate = binding;
        if (binding != null) {
            binding.gilstateBound = true;
        }
        if (before != null) {
            before.gilstateBound = false;
            DeferredEnd waiting = before.interpreter.deferredEnd();
            if (waiting != null) {
                waiting.poke();
            }
        }
    }

    /** Records that {@code binding}'s thread state was deleted on this thread, which also emptied the slot. */
    private static void noteDeleted(ThreadRecord record, Binding binding) {
        binding.gilstateBound = false;
        if (record.gilstate == binding) {
            record.gilstate = null;
        }
    }

    /**
     * Whether this thread's gilstate slot points at its idle thread state of a subinterpreter that is closing, with
     * nothing attached: then the end of that interpreter would have to wait for this thread.
     */
    private static boolean mustPark(ThreadRecord record) {
        Binding bound = record.gilstate;
        return bound != null && record.top == null && record.current == null && !bound.interpreter.isMain()
                && !bound.interpreter.gate().isOpen();
    }

    /**
     * Moves this thread's gilstate slot to its main-interpreter thread state: attaches that one (creating it the
     * first time) and releases it. On 3.12+ only an attach moves the slot (F-GILSTATE-FOLLOWS-ATTACH). If the main
     * interpreter refuses (the runtime is closing), nothing happens: the runtime's end then ends the subinterpreter
     * once no thread can attach anything.
     */
    private static void parkGilstate(ThreadRecord record) {
        InterpreterImpl main = record.gilstate.interpreter.lifecycle().mainInterpreter();
        if (attach(record, main, null) instanceof Attachment parked) {
            release(parked);
        }
    }

    /**
     * Attaches {@code ts} of {@code interpreter} to the calling thread; where waiting for the GIL can starve, the
     * {@link GilKicker} watches the wait. For the lifecycle thread's own thread states too.
     */
    public static void restore(InterpreterImpl interpreter, MemorySegment ts) {
        if (!GilKicker.starvationProne(interpreter) || !GilKicker.watching()) {
            CApi.PyEval_RestoreThread(ts);
            return;
        }
        GilKicker.waiting(interpreter);
        try {
            CApi.PyEval_RestoreThread(ts);
        } finally {
            GilKicker.done();
        }
    }

    /**
     * On 3.9-3.11, lets threads waiting to attach have the GIL for a moment if any wait: called by a thread that is
     * attached to {@code interpreter} as it passes through Tether (callbacks, object operations). CPython would not
     * ask it to drop the GIL for waiters of another interpreter (see {@link RuntimeFacts#starvationProne}).
     */
    public static void yieldIfOthersWait(InterpreterImpl interpreter) {
        if (GilKicker.starvationProne(interpreter) && GilKicker.watching() && GilKicker.waiters() > 0) {
            MemorySegment ts = CApi.PyEval_SaveThread();
            LockSupport.parkNanos(YIELD_NANOS);
            CApi.PyEval_RestoreThread(ts);
        }
    }

    /** Drops references released while nobody was attached (see {@link InterpreterImpl#deferRelease}). */
    private static void drainDeferred(InterpreterImpl interpreter) {
        if (interpreter.hasDeferredReleases()) {
            interpreter.drainDeferredReleases();
        }
    }

    private static void reattach(ThreadRecord record, Binding previous, MemorySegment previousForeign) {
        if (previous != null) {
            CApi.PyEval_RestoreThread(previous.active);
            noteAttached(record, previous);
            record.current = previous;
        } else if (previousForeign != null) {
            CApi.PyEval_RestoreThread(previousForeign);
            noteAttached(record, null);
        }
    }

    private static Attachment push(ThreadRecord record, Binding binding, Kind kind, Binding previous,
                                   MemorySegment previousForeign, GuardImpl guard) {
        Attachment attachment = new Attachment(record, binding, kind, record.top, previous, previousForeign, guard);
        record.top = attachment;
        return attachment;
    }

    /** A hold covered by an open guard: admitted even while the gate is closing (see {@link Gate}). */
    private static boolean holdCovered(Binding binding, GuardImpl guard) {
        binding.depth = 1;
        if (guard.isOpen()) {
            return true;
        }
        binding.depth = 0;
        return binding.interpreter.gate().tryHoldThread(binding);
    }

    private static Binding bind(ThreadRecord record, InterpreterImpl interpreter) {
        Binding binding = new Binding(interpreter, record.owner, record.ident(CApi::PyThread_get_thread_ident));
        record.add(binding);
        interpreter.gate().register(binding);
        if (interpreter.gate().bindingCount() >= interpreter.pruneThreshold) {
            prune(interpreter);
        }
        return binding;
    }

    /**
     * The thread state CPython has attached to this OS thread, if any. Before 3.12 "current" names the GIL holder
     * whichever thread asks, so it counts only if it is also this thread's gilstate thread state.
     */
    private static MemorySegment foreignThreadState(RuntimeFacts facts) {
        MemorySegment ts = CApi.PyThreadState_GetUnchecked();
        if (ts.equals(MemorySegment.NULL)) {
            return null;
        }
        if (!facts.threadLocalCurrent() && !ts.equals(CApi.PyGILState_GetThisThreadState())) {
            return null;
        }
        return ts;
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
     *       {@link Binding#gilstateBound}, then looks for a deferred end ({@link #noteAttached}), so either this
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
            restore(interpreter, interpreter.initialThreadState());
        }
        return deleted[0]; // join() orders the reaper's write before this read
    }
}
