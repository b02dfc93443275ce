package dev.tether.internal.protocol;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One thread's relation to one interpreter: its hold on the interpreter's gate and the CPython thread state it uses
 * there. Created by the owner thread on its first attachment to the interpreter.
 */
final class Binding {
    private static final VarHandle CACHED;

    static {
        try {
            CACHED = MethodHandles.lookup().findVarHandle(Binding.class, "cached", MemorySegment.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final InterpreterImpl interpreter;
    final Thread owner;
    /** {@code PyThread_get_thread_ident()} of the owner, for {@code PyThreadState_SetAsyncExc}. */
    final long ident;

    /**
     * Attachments of the owner thread to this interpreter that are open (0 = no hold). Written only by the owner,
     * read by the closer: see {@link Gate}.
     */
    volatile int depth;

    /** The thread state in use while {@code depth > 0}; owner thread only. */
    MemorySegment active;

    /**
     * An idle thread state kept for the next attachment (see {@link InterpreterImpl#cachesThreadStates()}).
     * The owner reads and writes it plainly, and only while it holds the gate (or is ending its own life). Any other
     * thread takes it only with {@link #claimCached}, and only when the owner cannot be using it: the owner has
     * terminated, or the gate has drained and refuses the owner (the reaper, the end of the interpreter); the
     * volatile {@link #depth} or {@code Thread.isAlive()} orders the owner's writes before the claim.
     */
    MemorySegment cached;

    /** Levels {@link StackBudget#fit} charged to the thread state this binding made; owner thread only. */
    int stackCharge;
    /**
     * Whether the owner's gilstate slot points at this binding's thread state (3.12+: it was the last one the owner
     * attached; before: it was the first one created on the thread). Written by the owner right after CPython moved
     * the slot; read by the end of the interpreter, which must not free a thread state a live owner's slot points
     * at (F-GILSTATE-REBIND). See {@link IdleThreadStates}.
     */
    volatile boolean gilstateBound;

    /** Whether an open attachment adopted a thread state CPython had already attached (not ours to delete). */
    boolean adopted;

    /**
     * The owner's outermost attachment here, as a number unique to this binding, or 0 between attachments: what an
     * interrupt is aimed at ({@link Interrupts}). Written by the owner while its thread state is attached, read by
     * the deliverer while it holds the same interpreter's GIL: the GIL orders the two.
     */
    int call;
    /** The last number given to {@link #call}; owner thread only. */
    int calls;
    /** The {@link #call} an interrupt was delivered to and may still be pending in CPython (0: none). */
    volatile int interruptedCall;
    /** The {@link #call} a delivery is on its way to (the watcher starts at most one per call). */
    volatile int deliveringCall;

    Binding(InterpreterImpl interpreter, Thread owner, long ident) {
        this.interpreter = interpreter;
        this.owner = owner;
        this.ident = ident;
    }

    /** Takes {@code expected} out of {@link #cached} for a thread other than the owner; false if someone else did. */
    boolean claimCached(MemorySegment expected) {
        return expected != null && CACHED.compareAndSet(this, expected, null);
    }

    @Override
    public String toString() {
        return "'" + owner.getName() + "' on " + interpreter.describe();
    }
}
