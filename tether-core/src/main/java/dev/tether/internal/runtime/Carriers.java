package dev.tether.internal.runtime;

import dev.tether.internal.protocol.ThreadStates;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Platform threads that run Python work submitted from virtual threads. A thread state belongs to one OS thread,
 * and a virtual thread may change carrier between two native calls, so its work runs here; the virtual thread
 * waits unmounted. Each carrier keeps its thread states between calls and deletes them itself before it ends;
 * while it waits for work it moves its gilstate slot off a subinterpreter that is closing, so that the
 * subinterpreter's end need not wait for it (see {@link ThreadStates}, "Idle thread states of subinterpreters").
 */
final class Carriers {
    /** How long an idle carrier lives. */
    static final Duration KEEP_ALIVE = Duration.ofSeconds(30);

    private final ThreadPoolExecutor pool;

    Carriers(int threads) {
        ThreadFactory platform = Thread.ofPlatform().daemon(true).name("tether-carrier-", 1).factory();
        ThreadFactory factory = task -> platform.newThread(() -> {
            try {
                task.run();
            } finally {
                ThreadStates.dropCachedThreadStates();
            }
        });
        pool = new ThreadPoolExecutor(threads, threads, KEEP_ALIVE.toSeconds(), TimeUnit.SECONDS,
                new RetiringQueue<>(), factory);
        pool.allowCoreThreadTimeOut(true);
    }

    /** Runs {@code task} on a carrier and waits; interrupts are deferred until it is done (the task cannot stop). */
    <T> T call(Callable<T> task) {
        Future<T> future = pool.submit(task);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException r) {
                        throw r;
                    }
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Runs {@code task} on a carrier without waiting for it. */
    void execute(Runnable task) {
        pool.execute(task);
    }

    void shutdown() {
        pool.shutdown();
    }

    /**
     * A work queue whose timed wait (the only one idle carriers use: core threads time out) comes back every
     * {@link #SLICE} to let the waiting thread {@linkplain ThreadStates#retireIdle() retire} an idle thread state
     * of a closing subinterpreter: one field read when there is none.
     */
    static final class RetiringQueue<E> extends LinkedBlockingQueue<E> {
        /** How long a waiting thread may keep a closing subinterpreter's end waiting. */
        static final long SLICE = TimeUnit.MILLISECONDS.toNanos(100);

        @Override
        public E poll(long timeout, TimeUnit unit) throws InterruptedException {
            long end = System.nanoTime() + unit.toNanos(timeout);
            while (true) {
                ThreadStates.retireIdle();
                long left = end - System.nanoTime();
                E e = super.poll(Math.max(0, Math.min(left, SLICE)), TimeUnit.NANOSECONDS);
                if (e != null || left <= SLICE) {
                    return e;
                }
            }
        }
    }
}
