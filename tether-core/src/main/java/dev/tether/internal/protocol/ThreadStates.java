package dev.tether.internal.protocol;

import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.Attachment.Kind;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
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
 * <p>How idle thread states of subinterpreters are kept and ended safely is {@link IdleThreadStates}; how the
 * thread's gilstate slot is tracked for it, {@link GilstateSlots}.
 */
public final class ThreadStates {
    private ThreadStates() {}

    /**
     * How long a thread passing through Tether lets go of the shared GIL when another thread waits for it (3.9-3.11,
     * F-SHARED-GIL-STARVATION): long enough for a waiter to take it, short against a 5 ms switch interval.
     */
    static final long YIELD_NANOS = 20_000;

    static final ThreadLocal<ThreadRecord> RECORD = ThreadLocal.withInitial(
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
        if (outcome instanceof Refusal && GilstateSlots.mustPark(record)) {
            GilstateSlots.parkGilstate(record); // typically: a thread retrying a subinterpreter that is closing under it
        }
        return outcome;
    }

    /** {@link #ensure} on a platform thread. */
    static AttachOutcome attach(ThreadRecord record, InterpreterImpl interpreter, GuardImpl guard) {
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
        GilstateSlots.noteAttached(record, attachment.binding);
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
        GilstateSlots.noteAttached(record, binding);
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
            ts = GilstateSlots.newThreadState(record, binding);
            if (ts == null) {
                binding.interpreter.gate().releaseThread(binding);
                reattach(record, previous, previous == null ? foreign : null);
                return Failures.outOfMemory(binding.interpreter);
            }
        }
        binding.cached = null;
        restore(binding.interpreter, ts);
        if (made) {
            binding.stackCharge = StackBudget.fit(binding.interpreter.facts(), ts);
        }
        GilstateSlots.noteAttached(record, binding);
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
        if (GilstateSlots.keepsIdle(binding)) {
            CApi.PyEval_SaveThread();
            binding.cached = ts;
        } else {
            StackBudget.unfit(ts, binding.stackCharge);
            CApi.PyThreadState_Clear(ts);
            CApi.PyThreadState_DeleteCurrent();
            GilstateSlots.noteDeleted(record, binding);
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
            GilstateSlots.noteAttached(record, previous);
            record.current = previous;
        } else if (previousForeign != null) {
            CApi.PyEval_RestoreThread(previousForeign);
            GilstateSlots.noteAttached(record, null);
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

    static Binding bind(ThreadRecord record, InterpreterImpl interpreter) {
        Binding binding = new Binding(interpreter, record.owner, record.ident(CApi::PyThread_get_thread_ident));
        record.add(binding);
        interpreter.gate().register(binding);
        if (interpreter.gate().bindingCount() >= interpreter.pruneThreshold) {
            IdleThreadStates.prune(interpreter);
        }
        return binding;
    }

    /**
     * The thread state CPython has attached to this OS thread, if any. Before 3.12 "current" names the GIL holder
     * whichever thread asks, so it counts only if it is also this thread's gilstate thread state.
     */
    static MemorySegment foreignThreadState(RuntimeFacts facts) {
        MemorySegment ts = CApi.PyThreadState_GetUnchecked();
        if (ts.equals(MemorySegment.NULL)) {
            return null;
        }
        if (!facts.threadLocalCurrent() && !ts.equals(CApi.PyGILState_GetThisThreadState())) {
            return null;
        }
        return ts;
    }
}
