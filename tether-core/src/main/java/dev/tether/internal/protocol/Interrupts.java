package dev.tether.internal.protocol;

import dev.tether.internal.capi.CApi;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Turns {@link Thread#interrupt()} of a Java thread running Python, and the deadline of a timed call, into an
 * exception raised in that Python code at its next bytecode (docs/guide.md, "Interrupting and timeouts").
 *
 * <p>Java gives no callback on {@code Thread.interrupt()}, so a watcher thread looks, every
 * {@link #WATCH_INTERVAL_NANOS}, at the threads that hold an interpreter (their published gate holds) and at the
 * timed calls in flight. It runs only while some thread holds an interpreter: an outermost attachment wakes it
 * with one volatile read ({@link #entered}), and it stops after {@link #IDLE_SCANS} empty looks (a Dekker-style
 * handshake with {@link #entered}, as in {@link Gate}: the attacher publishes its hold then reads
 * {@link #watching}; the watcher clears {@link #watching} then looks at the holds once more).
 *
 * <h2>Aiming</h2>
 * An interrupt is aimed at one outermost attachment of one thread to one interpreter ({@link Binding#call}), or at
 * one timed call ({@link Watch}), never at a thread in general, so that it cannot hit a later call:
 * <ol>
 *   <li>The watcher sees thread T interrupted (or its timed call past the deadline) while T's binding holds call
 *       {@code c}, and starts one short-lived delivery thread for {@code c}.</li>
 *   <li>The delivery thread attaches a thread state of its own to the interpreter (F-ASYNC-EXC: the target must be
 *       in the caller's interpreter) and, holding that interpreter's GIL, checks that T still holds {@code c}
 *       (and the timed call has not ended), records the delivery, and calls {@code PyThreadState_SetAsyncExc}.</li>
 *   <li>T, ending {@code c} ({@link #leaving}) or the timed call ({@link #unwatch}), clears {@link Binding#call}
 *       and, if a delivery was recorded, the async exception CPython may still hold for it, while attached.</li>
 * </ol>
 * Steps 2 and 3 both run holding the interpreter's GIL, so one happens wholly before the other: a delivery either
 * lands in {@code c} (and is cleared at its end if Python never raised it), or finds {@code c} over and does
 * nothing. (Free-threaded builds have no GIL to order them; not verified there, see F-FREE-THREADED.)
 *
 * <p>An interrupted thread is interrupted once per outermost attachment; its interrupt status stays set, so its
 * next call is interrupted too until the status is cleared ({@link Thread#interrupted()}), as Java's blocking
 * methods do. The exception is the interpreter's {@link #TYPE} (Python {@code tether.Interrupted}, a
 * {@code KeyboardInterrupt}), delivered at the next bytecode: a blocking call returns first (F-ASYNC-EXC).
 */
public final class Interrupts {
    /** How often the watcher looks: what an interrupt waits at most before delivery starts. */
    static final long WATCH_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** Empty looks in a row after which the watcher stops (it is restarted by the next attachment). */
    static final int IDLE_SCANS = 20;

    /** The exception type raised in Python, per interpreter: set by the bridge when it installs its helpers. */
    public static final Slot<MemorySegment> TYPE = Slot.of(MemorySegment.class, "interrupt exception type");

    /** Whether a watcher runs (or is about to); read on every outermost attachment. */
    private static volatile boolean watching;
    /** Guards starting and stopping {@link #watcher}. */
    private static final Object LOCK = new Object();
    private static Thread watcher;
    /** The live interpreters, from the runtime; set by the first attachment. */
    private static volatile Supplier<List<InterpreterImpl>> live;
    /** The innermost timed call of each thread that is in one. */
    private static final Map<Thread, Watch> TIMED = new ConcurrentHashMap<>();

    private Interrupts() {}

    /** One timed call: its deadline, and whether the watcher interrupted it. */
    public static final class Watch {
        final Binding binding;
        final long deadline;
        final Watch outer;
        /** Set by the delivery thread, holding the GIL, when it delivered this call's timeout. */
        volatile boolean fired;
        /** Set by the owner, holding the GIL, when the call ended. */
        volatile boolean ended;
        volatile boolean delivering;

        Watch(Binding binding, long deadline, Watch outer) {
            this.binding = binding;
            this.deadline = deadline;
            this.outer = outer;
        }

        /** Whether the timeout was delivered to this call's Python code. */
        public boolean fired() {
            return fired;
        }
    }

    // ---- the owner's side -------------------------------------------------------------------------------------

    /** An outermost attachment began (called attached, after the hold was published). Costs a volatile read. */
    static void entered(Binding binding) {
        binding.call = ++binding.calls == 0 ? ++binding.calls : binding.calls;
        if (!watching) {
            start(binding.interpreter);
        }
    }

    /** An outermost attachment ends (called while still attached): nothing may be delivered to it any more. */
    static void leaving(Binding binding) {
        binding.call = 0; // ordered with the deliverer's check by the GIL (see the class comment)
        if (binding.interruptedCall != 0) {
            clearPending(binding);
        }
    }

    /**
     * Starts a timed call on the calling thread, which holds {@code attachment} (attached, current).
     *
     * @param deadline a {@link System#nanoTime()} instant
     */
    public static Watch watch(Attachment attachment, long deadline) {
        Thread self = Thread.currentThread();
        Watch watch = new Watch(attachment.binding, deadline, TIMED.get(self));
        TIMED.put(self, watch);
        if (!watching) {
            start(attachment.interpreter());
        }
        return watch;
    }

    /**
     * Ends a timed call; the calling thread must be attached to its interpreter. Clears a timeout delivered to it
     * that Python did not raise.
     */
    public static void unwatch(Watch watch) {
        watch.ended = true;
        Thread self = Thread.currentThread();
        if (watch.outer != null) {
            TIMED.put(self, watch.outer);
        } else {
            TIMED.remove(self);
        }
        if (watch.fired && ThreadStates.isAttached(watch.binding.interpreter)) {
            clearPending(watch.binding);
        }
    }

    /** Drops the async exception CPython may hold for the calling thread (attached to the binding's interpreter). */
    private static void clearPending(Binding binding) {
        binding.interruptedCall = 0;
        binding.deliveringCall = 0; // an interrupted thread still inside its outer attachment is interrupted again
        CApi.PyThreadState_SetAsyncExc(binding.ident, MemorySegment.NULL);
    }

    // ---- the watcher ------------------------------------------------------------------------------------------

    private static void start(InterpreterImpl interpreter) {
        if (live == null) {
            live = interpreter.lifecycle()::interpreters;
        }
        synchronized (LOCK) {
            if (watcher == null) {
                watching = true;
                watcher = Thread.ofPlatform().daemon().name("tether-interrupt-watcher").start(Interrupts::watch);
            }
        }
    }

    private static void watch() {
        int idle = 0;
        while (true) {
            LockSupport.parkNanos(WATCH_INTERVAL_NANOS);
            boolean busy = scan();
            idle = busy ? 0 : idle + 1;
            if (idle >= IDLE_SCANS && !keepWatching()) {
                return;
            }
        }
    }

    /** Stops unless a hold appeared meanwhile (the second half of the handshake with {@link #entered}). */
    private static boolean keepWatching() {
        synchronized (LOCK) {
            watching = false;
            if (!scan()) {
                watcher = null;
                return false;
            }
            watching = true;
            return true;
        }
    }

    /** Looks at every holder once, starting deliveries where due; whether anything holds or is timed. */
    private static boolean scan() {
        Supplier<List<InterpreterImpl>> interpreters = live;
        boolean busy = !TIMED.isEmpty();
        if (interpreters == null) {
            return busy;
        }
        long now = System.nanoTime();
        for (InterpreterImpl interpreter : interpreters.get()) {
            for (Binding b : interpreter.gate().holders()) {
                busy = true;
                int call = b.call;
                if (call == 0) {
                    continue;
                }
                if (b.owner.isInterrupted() && b.interruptedCall != call && b.deliveringCall != call) {
                    b.deliveringCall = call;
                    deliver(interpreter, b, call, null);
                }
                for (Watch w = TIMED.get(b.owner); w != null; w = w.outer) {
                    if (w.binding == b && !w.fired && !w.delivering && !w.ended && now - w.deadline >= 0) {
                        w.delivering = true;
                        deliver(interpreter, b, call, w);
                    }
                }
            }
        }
        return busy;
    }

    /**
     * Delivers on a thread of its own: waiting for the interpreter's GIL can take a switch interval or longer, and
     * the watcher must keep looking meanwhile.
     */
    private static void deliver(InterpreterImpl interpreter, Binding target, int call, Watch timed) {
        try {
            Thread.ofPlatform().daemon().name("tether-interrupt").start(() -> {
                try {
                    deliverAttached(interpreter, target, call, timed);
                } finally {
                    if (timed != null) {
                        timed.delivering = false;
                    }
                }
            });
        } catch (RuntimeException | OutOfMemoryError e) {
            if (timed != null) {
                timed.delivering = false;
            }
            target.deliveringCall = 0;
        }
    }

    /** Step 2 of the class comment, on the delivery thread, with a thread state of its own. */
    private static void deliverAttached(InterpreterImpl interpreter, Binding target, int call, Watch timed) {
        Boolean attached = withOwnThreadState(interpreter, () -> {
            if (target.call == call && (timed == null || !timed.ended)) {
                MemorySegment type = interpreter.get(TYPE);
                target.interruptedCall = call;
                if (timed != null) {
                    timed.fired = true;
                }
                CApi.PyThreadState_SetAsyncExc(target.ident, type != null ? type : CApi.PyExc_KeyboardInterrupt);
            }
            return Boolean.TRUE;
        });
        if (attached == null) {
            target.deliveringCall = 0;
        }
    }

    /**
     * Runs {@code body} on the calling thread attached to a thread state of its own in {@code interpreter}, created
     * and deleted here (F-GILSTATE-REBIND), under an internal hold (admitted while the interpreter is closing, not
     * once it is ending). The calling thread must hold no thread state: a fresh thread, as for interrupting.
     *
     * @return what {@code body} returned, or null if the interpreter is ending or no thread state could be made
     */
    public static <T> T withOwnThreadState(InterpreterImpl interpreter, Supplier<T> body) {
        GuardImpl guard = GuardImpl.tryAcquireInternal(interpreter);
        if (guard == null) {
            return null;
        }
        try {
            MemorySegment ts = CApi.PyThreadState_New(interpreter.pointer());
            if (ts.equals(MemorySegment.NULL)) {
                return null;
            }
            ThreadStates.restore(interpreter, ts);
            try {
                return body.get();
            } finally {
                CApi.PyThreadState_Clear(ts);
                CApi.PyThreadState_DeleteCurrent();
            }
        } finally {
            guard.release();
        }
    }
}
