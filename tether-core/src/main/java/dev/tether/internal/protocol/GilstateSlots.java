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
     * where the build allows it ({@link InterpreterImpl#cachesThreadStates()}: the main interpreter always, a
     * subinterpreter on 3.12+).
     */
    static boolean keepsIdle(Binding binding) {
        InterpreterImpl interpreter = binding.interpreter;
        return interpreter.cachesThreadStates() && interpreter.gate().isOpen();
    }

    /**
     * Creates a thread state for {@code binding} on its owner. Before 3.12 the thread's gilstate slot is set by the
     * first thread state created while it is empty, and never moves (F-GILSTATE-FIRST-WINS); whether this one took
     * it is recorded.
     *
     * @return the thread state, or null if CPython could not allocate one
     */
    static MemorySegment newThreadState(ThreadRecord record, Binding binding) {
        MemorySegment ts = CApi.PyThreadState_New(binding.interpreter.pointer());
        if (ts.equals(MemorySegment.NULL)) {
            return null;
        }
        if (!binding.interpreter.facts().gilstateFollowsAttach()) {
            binding.gilstateBound = ts.equals(CApi.PyGILState_GetThisThreadState());
        }
        return ts;
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
