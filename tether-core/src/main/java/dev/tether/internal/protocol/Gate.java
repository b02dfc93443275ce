package dev.tether.internal.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The gate every hold on one interpreter passes: an attachment of a thread, or a guard.
 *
 * <pre>
 * state     OPEN ──close()──▶ CLOSING ──no hold left──▶ ENDING ──CPython ended the interpreter──▶ CLOSED
 *           (monotonic; moved only by the closing thread, see Closer)
 * holds     per thread: Binding.depth (written only by its owner thread; > 0 while the thread holds)
 *           shared:     guards (any thread; one per open InterpreterGuard)
 * </pre>
 *
 * <p>Taking a hold is a Dekker-style handshake with the closer instead of a shared counter that every thread would
 * contend on: a taker first publishes its hold (a volatile write to its own binding), then reads {@link #state};
 * the closer first writes {@link #state}, then reads the holds. Volatile accesses are sequentially consistent, so
 * either the taker sees CLOSING (and withdraws), or the closer sees the hold (and waits for it). A hold taken is
 * therefore never lost, and once the closer has seen every hold at zero no new one can appear, with one exception
 * that keeps the argument intact: a hold covered by another hold that is released only afterwards (a nested
 * attachment, an attachment made through an open guard). The closer checks guards before bindings so that a hold
 * handed over from a guard to a thread is always seen.
 *
 * <p>While CLOSING, Tether's own short-lived internal holds (the GIL kicker's) are still admitted; ENDING refuses
 * them too, with the same handshake, so nothing touches the interpreter while CPython ends it.
 */
public final class Gate {
    static final int OPEN = 0;
    static final int CLOSING = 1;
    static final int ENDING = 2;
    static final int CLOSED = 3;

    /**
     * The longest the closer parks between looks at the holds. Releases unpark it; the bound only covers a release
     * that raced the closer's publication of itself as {@link #waiter}.
     */
    static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /** OPEN, CLOSING, ENDING or CLOSED; written by the closer only, read by every taker. */
    private volatile int state = OPEN;
    /** Open guards of this interpreter; any thread. */
    private final AtomicInteger guards = new AtomicInteger();
    /** Every binding (thread x this interpreter) that may hold; added by the owner thread, pruned by anyone. */
    private final Set<Binding> bindings = ConcurrentHashMap.newKeySet();
    /** The thread waiting in {@link #awaitDrained}, unparked when a hold is released while closing. */
    private volatile Thread waiter;

    /** Whether new holds are admitted. */
    public boolean isOpen() {
        return state == OPEN;
    }

    /** Whether CPython has ended the interpreter. */
    public boolean isClosed() {
        return state == CLOSED;
    }

    /** Whether the interpreter is closing (no new holds) but not yet ended. */
    public boolean isClosing() {
        int s = state;
        return s == CLOSING || s == ENDING;
    }

    void register(Binding binding) {
        bindings.add(binding);
    }

    /** Forgets {@code binding}; true only for the one caller that removed it. */
    boolean unregister(Binding binding) {
        return bindings.remove(binding);
    }

    /** A snapshot of the bindings, for pruning and reporting. */
    List<Binding> bindings() {
        return new ArrayList<>(bindings);
    }

    int bindingCount() {
        return bindings.size();
    }

    /** Takes the first hold of {@code binding}'s thread; on refusal nothing changed. Owner thread only. */
    boolean tryHoldThread(Binding binding) {
        binding.depth = 1;                   // publish ...
        if (state == OPEN) {                 // ... then check
            return true;
        }
        binding.depth = 0;
        wakeCloser();
        return false;
    }

    /** Drops the last hold of {@code binding}'s thread. Owner thread only. */
    void releaseThread(Binding binding) {
        binding.depth = 0;
        if (state != OPEN) {
            wakeCloser();
        }
    }

    /** Takes a shared hold (a guard); on refusal nothing changed. */
    boolean tryHoldShared() {
        guards.incrementAndGet();
        if (state == OPEN) {
            return true;
        }
        releaseShared();
        return false;
    }

    /**
     * Takes a shared hold for Tether's own use that is admitted while the interpreter is closing, but not once it
     * is ending (see the class comment).
     */
    boolean tryHoldInternal() {
        guards.incrementAndGet();
        if (state <= CLOSING) {
            return true;
        }
        releaseShared();
        return false;
    }

    /** Drops a shared hold. */
    void releaseShared() {
        guards.decrementAndGet();
        if (state != OPEN) {
            wakeCloser();
        }
    }

    /** OPEN to CLOSING; false if the gate was not open. Every hold taken afterwards is refused. */
    boolean beginClosing() {
        synchronized (this) {
            if (state != OPEN) {
                return false;
            }
            state = CLOSING;
            return true;
        }
    }

    /** CLOSING to ENDING: from now on internal holds are refused too; wait for them with {@link #awaitDrained}. */
    void beginEnding() {
        state = ENDING;
    }

    /** ENDING to CLOSED, once CPython has ended the interpreter. */
    void markClosed() {
        state = CLOSED;
    }

    /**
     * Waits until no hold remains, or the deadline passes.
     *
     * @param deadline a {@link System#nanoTime()} instant, or {@link Long#MAX_VALUE} for none
     * @return whether the gate drained
     */
    boolean awaitDrained(long deadline) {
        waiter = Thread.currentThread();
        try {
            while (!isDrained()) {
                long remaining = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                LockSupport.parkNanos(this, Math.min(remaining, MAX_PARK_NANOS));
            }
            return true;
        } finally {
            waiter = null;
        }
    }

    /** Whether no hold remains; guards first (see the class comment). */
    boolean isDrained() {
        if (guards.get() != 0) {
            return false;
        }
        for (Binding binding : bindings) {
            if (binding.depth != 0) {
                return false;
            }
        }
        return true;
    }

    /** The bindings that hold now. */
    List<Binding> holders() {
        List<Binding> result = new ArrayList<>();
        for (Binding binding : bindings) {
            if (binding.depth != 0) {
                result.add(binding);
            }
        }
        return result;
    }

    int openGuards() {
        return guards.get();
    }

    private void wakeCloser() {
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }
}
