package dev.tether.internal.runtime;

import dev.tether.internal.protocol.IdleThreadStates;
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
 * subinterpreter's end need not wait for it (see {@link IdleThreadStates}).
 */
final class Carriers {
    /** How long an idle carrier lives (it deletes its cached thread states as it ends). */
    static final long IDLE_SECONDS = 30;

    /**
     * The stack of Tether's own threads that run Python (carriers and the Python main thread): what CPython's main
     * thread has on Linux (8 MiB), so Python code goes as deep there as in a standalone program (F-STACK-COUNTER).
     * Only the pages touched are ever committed.
     */
    static final long STACK_SIZE = 8 << 20;

    private final ThreadPoolExecutor pool;

    Carriers(int threads) {
        ThreadFactory platform = Thread.ofPlatform().daemon(true).name("tether-carrier-", 1)
                .stackSize(STACK_SIZE).factory();
        ThreadFactory factory = task -> platform.newThread(() -> {
            try {
                task.run();
            } finally {
                IdleThreadStates.dropCachedThreadStates();
            }
        });
        pool = new ThreadPoolExecutor(threads, threads, IDLE_SECONDS, TimeUnit.SECONDS,
                new RetiringQueue<>(), factory);
        pool.allowCoreThreadTimeOut(true);
    }

    /**
     * Runs {@code task} on a carrier and waits until it is done. An interrupt of the waiting thread is passed on to
     * the carrier while it runs this task (so Python code there is interrupted, see {@code protocol.Interrupts}),
     * and is set again on the waiting thread when the task is done.
     */
    <T> T call(Callable<T> task) {
        Running<T> running = new Running<>(task);
        Future<T> future = pool.submit(running);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                    running.interrupt();
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

    /**
     * A task that knows its carrier while it runs, so that an interrupt reaches this task and never the carrier's
     * next one: the carrier's interrupt status is cleared when the task ends, under the same lock.
     */
    private static final class Running<T> implements Callable<T> {
        private final Callable<T> task;
        /** Guarded by this: the carrier while the task runs. */
        private Thread runner;
        /** Guarded by this: an interrupt that came before the task started. */
        private boolean interruptFirst;
        /** Guarded by this. */
        private boolean done;

        Running(Callable<T> task) {
            this.task = task;
        }

        @Override
        public T call() throws Exception {
            synchronized (this) {
                runner = Thread.currentThread();
                if (interruptFirst) {
                    runner.interrupt();
                }
            }
            try {
                return task.call();
            } finally {
                synchronized (this) {
                    runner = null;
                    done = true;
                }
                Thread.interrupted(); // the interrupt was this task's
            }
        }

        synchronized void interrupt() {
            if (runner != null) {
                runner.interrupt();
            } else if (!done) {
                interruptFirst = true;
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
     * {@link #SLICE} to let the waiting thread {@linkplain IdleThreadStates#retireIdle() retire} an idle thread state
     * of a closing subinterpreter: one field read when there is none.
     */
    static final class RetiringQueue<E> extends LinkedBlockingQueue<E> {
        /** How long a waiting thread may keep a closing subinterpreter's end waiting. */
        static final long SLICE = TimeUnit.MILLISECONDS.toNanos(100);

        @Override
        public E poll(long timeout, TimeUnit unit) throws InterruptedException {
            long end = System.nanoTime() + unit.toNanos(timeout);
            while (true) {
                IdleThreadStates.retireIdle();
                long left = end - System.nanoTime();
                E e = super.poll(Math.max(0, Math.min(left, SLICE)), TimeUnit.NANOSECONDS);
                if (e != null || left <= SLICE) {
                    return e;
                }
            }
        }
    }
}
