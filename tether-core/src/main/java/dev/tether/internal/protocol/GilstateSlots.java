package dev.tether.internal.protocol;

import dev.tether.internal.capi.CApi;
import java.lang.foreign.MemorySegment;

/**
 * Tracks which thread state a thread's gilstate slot (what {@code PyGILState_Ensure} uses) points at, so that an idle
 * thread state is never freed while a live thread's slot points at it (F-GILSTATE-REBIND); see
 * {@link IdleThreadStates}. Every method runs on the owner thread.
 */
final class GilstateSlots {
    private GilstateSlots() {}

    /**
     * Whether {@code binding}'s thread state may stay idle for the next attachment: while its interpreter is open,
     * where the build allows it, and before 3.12 only if the thread's gilstate slot does not point at a
     * subinterpreter's one (that slot never moves, F-GILSTATE-FIRST-WINS; see {@link #anchorGilstate}).
     */
    static boolean keepsIdle(Binding binding) {
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
    static MemorySegment newThreadState(ThreadRecord record, Binding binding) {
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
    static void anchorGilstate(ThreadRecord record, InterpreterImpl main) {
        Binding binding = record.lookup(main);
        if (binding == null) {
            binding = ThreadStates.bind(record, main);
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
     * handshake in {@link IdleThreadStates#sweepIdle}. Same binding as before (the steady state): one comparison.
     */
    static void noteAttached(ThreadRecord record, Binding binding) {
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
    static void noteDeleted(ThreadRecord record, Binding binding) {
        binding.gilstateBound = false;
        if (record.gilstate == binding) {
            record.gilstate = null;
        }
    }

    /**
     * Whether this thread's gilstate slot points at its idle thread state of a subinterpreter that is closing, with
     * nothing attached: then the end of that interpreter would have to wait for this thread.
     */
    static boolean mustPark(ThreadRecord record) {
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
    static void parkGilstate(ThreadRecord record) {
        InterpreterImpl main = record.gilstate.interpreter.lifecycle().mainInterpreter();
        if (ThreadStates.attach(record, main, null) instanceof Attachment parked) {
            ThreadStates.release(parked);
        }
    }
}
