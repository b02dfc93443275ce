package dev.tether.internal.protocol;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One CPython interpreter as the protocol sees it: the {@code PyInterpreterState *} it protects, the gate every
 * hold passes, and how to end it.
 *
 * <p>{@link #pointer()} is dereferenced (passed to CPython) only by a thread that holds the gate, or by the
 * lifecycle thread while it ends the interpreter; so it never dangles even though the handle outlives the
 * interpreter.
 */
public final class InterpreterImpl {

    /** What the runtime does for the protocol on its lifecycle thread. */
    public interface Lifecycle {
        /**
         * Interrupts Python code running in {@code interpreter}: the threads {@code idents} attached from Java, and
         * every thread Python started there. Returns the names of the Python-started threads it interrupted.
         */
        List<String> interrupt(InterpreterImpl interpreter, long[] idents);

        /**
         * Ends the interpreter once no Java thread holds it: waits for the threads Python started there (as CPython
         * does), interrupting them once {@code deadline} passed and giving them {@code grace} more, then calls
         * {@code Py_EndInterpreter} (or {@code Py_FinalizeEx} for the main interpreter).
         *
         * @throws dev.tether.ThreadStateException with {@code CLOSE_TIMED_OUT} if Python threads still run
         */
        void end(InterpreterImpl interpreter, long deadline, Duration grace);

        /** The interpreters not closed yet. */
        List<InterpreterImpl> interpreters();
    }

    private final long id;
    private final boolean main;
    private final boolean ownGil;
    private final MemorySegment pointer;
    private final MemorySegment initialThreadState;
    private final Lifecycle lifecycle;
    private final RuntimeFacts facts;
    private final Gate gate = new Gate();
    /** Bindings beyond which the next new binding first prunes those of terminated threads. */
    volatile int pruneThreshold = 64;
    /** Thread states of terminated threads deleted so far (diagnostics and tests). */
    final java.util.concurrent.atomic.AtomicLong reaped = new java.util.concurrent.atomic.AtomicLong();
    /** Serializes closers of this interpreter. */
    final ReentrantLock closeLock = new ReentrantLock();
    /** Per-interpreter Python helpers (owned by the bridge); set once under an attachment. */
    private final AtomicReference<Object> bridgeState = new AtomicReference<>();
    /** The public handle, created once by the API layer. */
    private volatile Object view;
    /**
     * References to drop ({@code Py_DecRef}) that were released by threads not attached to this interpreter (the
     * Cleaner thread, unattached closers): performed at the next attachment, and before the interpreter ends.
     */
    private final ConcurrentLinkedQueue<MemorySegment> deferredReleases = new ConcurrentLinkedQueue<>();
    /** Actions to run on the lifecycle thread, attached, just before CPython ends the interpreter. */
    private final Set<Runnable> beforeEnd = ConcurrentHashMap.newKeySet();

    public InterpreterImpl(long id, boolean main, boolean ownGil, MemorySegment pointer,
                           MemorySegment initialThreadState, RuntimeFacts facts, Lifecycle lifecycle) {
        this.id = id;
        this.main = main;
        this.ownGil = ownGil;
        this.pointer = pointer;
        this.initialThreadState = initialThreadState;
        this.facts = facts;
        this.lifecycle = lifecycle;
    }

    public RuntimeFacts facts() {
        return facts;
    }

    /** How many thread states of terminated threads were deleted so far. */
    public long reapedThreadStates() {
        return reaped.get();
    }

    /** CPython's interpreter ID. */
    public long id() {
        return id;
    }

    public boolean isMain() {
        return main;
    }

    public boolean hasOwnGil() {
        return ownGil;
    }

    /** {@code PyInterpreterState *}: pass to CPython only while holding the gate. */
    public MemorySegment pointer() {
        return pointer;
    }

    /**
     * The thread state CPython created with the interpreter, owned by the lifecycle thread (which created the
     * interpreter) and used there to end it.
     */
    public MemorySegment initialThreadState() {
        return initialThreadState;
    }

    public Gate gate() {
        return gate;
    }

    public Lifecycle lifecycle() {
        return lifecycle;
    }

    /**
     * Whether idle thread states are kept per thread between attachments. Only for the main interpreter: a
     * subinterpreter's thread states must all be gone before {@code Py_EndInterpreter} (3.9-3.13), and another
     * thread's thread state must never be deleted from the closer (it would leave the owner's gilstate slot dangling,
     * 3.12+). So a subinterpreter's thread state lives exactly as long as the outermost attachment.
     */
    public boolean cachesThreadStates() {
        return main;
    }

    public Object view() {
        return view;
    }

    public void setView(Object view) {
        this.view = view;
    }

    /** Queues a reference to drop at the next attachment (any thread, never blocks). */
    public void deferRelease(MemorySegment object) {
        deferredReleases.add(object);
    }

    /** Drops the queued references; the calling thread must be attached to this interpreter. */
    public void drainDeferredReleases() {
        MemorySegment object;
        while ((object = deferredReleases.poll()) != null) {
            dev.tether.internal.capi.CApi.Py_DecRef(object);
        }
    }

    /** Whether references wait to be dropped. */
    public boolean hasDeferredReleases() {
        return !deferredReleases.isEmpty();
    }

    /** Registers an action to run (attached, on the lifecycle thread) before CPython ends this interpreter. */
    public void beforeEnd(Runnable action) {
        beforeEnd.add(action);
    }

    /** Forgets a before-end action that is no longer needed. */
    public void cancelBeforeEnd(Runnable action) {
        beforeEnd.remove(action);
    }

    /** Runs and forgets the before-end actions; the lifecycle thread calls it attached. */
    public void runBeforeEnd() {
        for (Runnable action : java.util.List.copyOf(beforeEnd)) {
            beforeEnd.remove(action);
            action.run();
        }
    }

    public AtomicReference<Object> bridgeState() {
        return bridgeState;
    }

    /** "the main interpreter" or "subinterpreter 3": how messages name it. */
    public String describe() {
        return main ? "the main interpreter" : "subinterpreter " + id;
    }

    /** "RUNNING", "CLOSING" or "CLOSED". */
    public String stateName() {
        return gate.isOpen() ? "RUNNING" : gate.isClosing() ? "CLOSING" : "CLOSED";
    }

    @Override
    public String toString() {
        return describe() + " [" + stateName() + "]";
    }
}
