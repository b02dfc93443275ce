package dev.tether.internal.protocol;

import dev.tether.internal.capi.CApi;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Keeps threads from starving for the GIL on CPython 3.9-3.11 ({@link RuntimeFacts#starvationProne}).
 *
 * <p>There every interpreter shares one GIL, but a thread that waits for it (to attach, or to continue after CPython
 * made it drop the GIL for a switch or a blocking call) asks only its own interpreter's running thread to drop it: a
 * thread busy in another interpreter never hears the request, and the waiter waits forever. While Tether threads
 * hold two or more interpreters, or one has waited to attach past {@link #PATIENCE}, a watchdog sends, every
 * {@link #KICK_INTERVAL}, one short-lived "kicker" thread per live interpreter to wait for the GIL as a waiter of
 * that interpreter: the kicker of the interpreter whose thread holds the GIL makes it drop it, takes it, and gives it
 * up at once, so the waiters get their turn. Kickers hold an internal guard (admitted while the interpreter is
 * closing, not once it is ending), so they never touch an interpreter CPython is ending. Threads Python started and
 * that never pass through Tether are not watched: that starvation is CPython's own.
 */
public final class GilKicker {
    /** How long a thread may wait to attach before kickers are sent (a GIL hand-over takes 5 ms at most). */
    static final long PATIENCE = TimeUnit.MILLISECONDS.toNanos(10);
    /** How often kickers go out while two or more interpreters are busy, even if nobody waits to attach. */
    static final long KICK_INTERVAL = TimeUnit.MILLISECONDS.toNanos(20);
    /** How often the watchdog looks at the waiting threads. */
    static final long WATCH_INTERVAL_MILLIS = 5;
    /** Makes the short-lived kicker threads; a test may make it fail. */
    static final ThreadFactory KICKERS = Thread.ofPlatform().daemon().name("tether-gil-kicker").factory();

    /** Threads waiting in {@code PyEval_RestoreThread}, and since when. */
    private static final Map<Thread, Long> WAITING = new ConcurrentHashMap<>();
    /** Interpreters whose kicker is still out. */
    private static final Map<InterpreterImpl, Boolean> KICKING = new ConcurrentHashMap<>();
    /**
     * Whether more than one interpreter lives: starvation needs two, so with the main interpreter alone nothing is
     * watched (and attaching pays nothing for the watch). Written by the runtime as interpreters come and go.
     */
    private static volatile boolean watching;
    /** Guards {@link #watchdog} and the watchdog's decision to stop. */
    private static final Object LOCK = new Object();
    private static Thread watchdog;

    /**
     * Whether a subinterpreter sharing the main GIL was created on 3.12 (F-SHARED-GIL-STARVATION holds there too:
     * 3.12 still asks only the waiter's own interpreter to drop the GIL; 3.13 asks the holder's thread).
     */
    private static volatile boolean sharedGilOn312;

    private GilKicker() {}

    /** Called when a subinterpreter sharing the main GIL is created on 3.12: waits are watched from now on. */
    public static void sharedGilSubinterpreter() {
        sharedGilOn312 = true;
    }

    /** Whether waiting for the GIL to attach to {@code interpreter} can starve (3.9-3.11, or 3.12 shared GIL). */
    static boolean starvationProne(InterpreterImpl interpreter) {
        return interpreter.facts().starvationProne() || sharedGilOn312;
    }

    /** Called by the runtime whenever the number of live interpreters changes. */
    public static void liveInterpreters(int count) {
        watching = count >= 2;
    }

    /** Whether a wait for the GIL must be watched now. */
    static boolean watching() {
        return watching;
    }

    /** The calling thread is about to wait for the GIL to attach to {@code interpreter} (its hold is published). */
    static void waiting(InterpreterImpl interpreter) {
        WAITING.put(Thread.currentThread(), System.nanoTime());
        synchronized (LOCK) {
            if (watchdog == null) {
                Supplier<List<InterpreterImpl>> live = interpreter.lifecycle()::interpreters;
                try {
                    watchdog = Thread.ofPlatform().daemon().name("tether-gil-watchdog").start(() -> watch(live));
                } catch (OutOfMemoryError e) {
                    // No thread to spare: the waiter still attaches, without protection from starvation.
                    watchdog = null;
                }
            }
        }
    }

    /** The calling thread attached. */
    static void done() {
        WAITING.remove(Thread.currentThread());
    }

    /** Number of threads waiting now. */
    static int waiters() {
        return WAITING.size();
    }

    private static void watch(Supplier<List<InterpreterImpl>> live) {
        long lastKick = System.nanoTime();
        while (true) {
            List<InterpreterImpl> interpreters = live.get();
            long busy = interpreters.stream().filter(i -> !i.gate().isDrained()).count();
            synchronized (LOCK) {
                if (WAITING.isEmpty() && busy == 0) {
                    watchdog = null;
                    return;
                }
            }
            long now = System.nanoTime();
            boolean starving = WAITING.values().stream().anyMatch(since -> now - since > PATIENCE);
            if (starving || (busy >= 2 && now - lastKick >= KICK_INTERVAL)) {
                interpreters.forEach(GilKicker::kick);
                lastKick = now;
            }
            try {
                Thread.sleep(WATCH_INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                synchronized (LOCK) {
                    watchdog = null;
                }
                return;
            }
        }
    }

    private static void kick(InterpreterImpl interpreter) {
        kick(interpreter, KICKERS);
    }

    /**
     * Sends a kicker to {@code interpreter}, holding an internal guard for as long as it is out. If no thread can
     * be started, the guard is released at once: a close waits for guards.
     */
    static void kick(InterpreterImpl interpreter, ThreadFactory threads) {
        if (interpreter.gate().isClosed() || KICKING.putIfAbsent(interpreter, Boolean.TRUE) != null) {
            return;
        }
        GuardImpl guard = GuardImpl.tryAcquireInternal(interpreter);
        if (guard == null) {
            KICKING.remove(interpreter);
            return;
        }
        Thread kicker = threads.newThread(() -> {
            try {
                MemorySegment ts = CApi.PyThreadState_New(interpreter.pointer());
                if (!ts.equals(MemorySegment.NULL)) {
                    CApi.PyEval_RestoreThread(ts); // waits as a waiter of this interpreter
                    CApi.PyThreadState_Clear(ts);
                    CApi.PyThreadState_DeleteCurrent(); // and gives the GIL away again
                }
            } finally {
                guard.release();
                KICKING.remove(interpreter);
            }
        });
        try {
            if (kicker == null) {
                throw new OutOfMemoryError("the thread factory made no kicker");
            }
            kicker.start();
        } catch (OutOfMemoryError e) {
            guard.release();
            KICKING.remove(interpreter);
        }
    }
}
