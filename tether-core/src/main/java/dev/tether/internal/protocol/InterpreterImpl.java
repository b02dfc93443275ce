package dev.tether.internal.protocol;

import dev.tether.internal.capi.CApi;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One CPython interpreter as the protocol sees it: the {@code PyInterpreterState *} it protects, the gate every
 * hold passes, and how to end it.
 *
 * <p>{@link #pointer()} is dereferenced (passed to CPython) only by a thread that holds the gate, or by the
 * lifecycle thread while it ends the interpreter; so it never dangles even though the handle outlives the
 * interpreter.
 */
public final class InterpreterImpl {

    private final long id;
    private final boolean main;
    private final boolean ownGil;
    private final MemorySegment pointer;
    private final MemorySegment initialThreadState;
    private final Lifecycle lifecycle;
    private final RuntimeFacts facts;
    private final Gate gate = new Gate();
    /**
     * The fewest bindings at which a new binding first prunes those of terminated threads: pruning walks every
     * binding, so it runs only when their number has doubled since the last time, and never for a handful.
     */
    static final int MIN_PRUNE_THRESHOLD = 64;
    /** Bindings beyond which the next new binding first prunes those of terminated threads. */
    volatile int pruneThreshold = MIN_PRUNE_THRESHOLD;
    /** Thread states of terminated threads deleted so far (diagnostics and tests). */
    final AtomicLong reaped = new AtomicLong();
    /** Serializes closers of this interpreter. */
    final ReentrantLock closeLock = new ReentrantLock();
    /** What upper layers keep per interpreter, indexed by {@link Slot}: the public handle, the bridge's helpers. */
    private final AtomicReferenceArray<Object> slots = new AtomicReferenceArray<>(Slot.CAPACITY);
    /**
     * References to drop ({@code Py_DecRef}) that were released by threads not attached to this interpreter (the
     * Cleaner thread, unattached closers): performed at the next attachment, and before the interpreter ends.
     */
    private final ConcurrentLinkedQueue<MemorySegment> deferredReleases = new ConcurrentLinkedQueue<>();
    /** Other native clean-ups queued the same way (an exported buffer released from another interpreter). */
    private final ConcurrentLinkedQueue<Runnable> deferredActions = new ConcurrentLinkedQueue<>();
    /** Actions to run on the lifecycle thread, attached, just before CPython ends the interpreter. */
    private final Set<Runnable> beforeEnd = ConcurrentHashMap.newKeySet();
    /**
     * Idle thread states of terminated threads that Tether no longer tracks and leaves in CPython's list for the
     * interpreter's end to delete (3.12+ debug builds, and 3.14+ ends): what the end must not wait for.
     */
    private final Set<MemorySegment> leftToCPython = ConcurrentHashMap.newKeySet();
    /** The end of this interpreter in CPython, while it is deferred (see {@link DeferredEnd}); else null. */
    private volatile DeferredEnd deferredEnd;
    /** Whether CPython has ended the interpreter (later than the gate's CLOSED if the end was deferred). */
    private volatile boolean ended;

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
     * Whether idle thread states are kept per thread between attachments: for the main interpreter always; for a
     * subinterpreter where the build allows it ({@link RuntimeFacts#cachesSubinterpreterThreadStates()}; how its
     * end deals with them is {@link ThreadStates}' "Idle thread states of subinterpreters").
     */
    public boolean cachesThreadStates() {
        return main || facts.cachesSubinterpreterThreadStates();
    }

    /** The deferred end of this interpreter, or null (not deferred, or done). */
    public DeferredEnd deferredEnd() {
        return deferredEnd;
    }

    /** Publishes (or, with null, withdraws) the deferred end of this interpreter. */
    public void deferredEnd(DeferredEnd end) {
        deferredEnd = end;
    }


    /** Whether CPython has ended this interpreter (diagnostics and tests). */
    public boolean endedInCPython() {
        return ended;
    }

    /** Records that CPython has ended this interpreter; the lifecycle thread calls it. */
    public void markEnded() {
        ended = true;
    }

    void leaveToCPython(MemorySegment threadState) {
        leftToCPython.add(threadState);
    }

    Set<MemorySegment> leftToCPython() {
        return leftToCPython;
    }

    /** What an upper layer keeps in {@code slot} for this interpreter, or null. */
    public <T> T get(Slot<T> slot) {
        return slot.type.cast(slots.get(slot.index));
    }

    /** What is kept in {@code slot}, created by {@code create} the first time (once, even under a race). */
    public <T> T getOrCreate(Slot<T> slot, Supplier<? extends T> create) {
        T value = get(slot);
        if (value == null) {
            T created = Objects.requireNonNull(create.get(), "create");
            value = slots.compareAndSet(slot.index, null, created) ? created : get(slot);
        }
        return value;
    }

    /** Keeps {@code value} in {@code slot} (null empties it). */
    public <T> void set(Slot<T> slot, T value) {
        slots.set(slot.index, value);
    }

    /** Empties {@code slot} and returns what it held, or null. */
    public <T> T take(Slot<T> slot) {
        return slot.type.cast(slots.getAndSet(slot.index, null));
    }

    /** Queues a reference to drop at the next attachment (any thread, never blocks). */
    public void deferRelease(MemorySegment object) {
        deferredReleases.add(object);
    }

    /** Queues a native clean-up to run attached at the next attachment, or before the interpreter ends. */
    public void deferAction(Runnable action) {
        deferredActions.add(action);
    }

    /** Drops the queued references and runs the queued clean-ups; the calling thread must be attached here. */
    public void drainDeferredReleases() {
        MemorySegment object;
        while ((object = deferredReleases.poll()) != null) {
            CApi.Py_DecRef(object);
        }
        Runnable action;
        while ((action = deferredActions.poll()) != null) {
            action.run();
        }
    }

    /** Whether references or clean-ups wait. */
    public boolean hasDeferredReleases() {
        return !deferredReleases.isEmpty() || !deferredActions.isEmpty();
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
        for (Runnable action : List.copyOf(beforeEnd)) {
            beforeEnd.remove(action);
            action.run();
        }
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
