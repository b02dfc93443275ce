package dev.tether.internal.runtime;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The long-lived platform thread that is CPython's main thread: it runs {@code Py_Initialize}, creates and ends
 * every interpreter (it owns their first thread states), and runs {@code Py_FinalizeEx}. Signals and pending calls
 * run only on the thread that initialized Python, so that must be a thread that lives as long as the runtime.
 *
 * <p>Daemon, so that a program that never closes its runtime can still exit (the shutdown hook closes it).
 */
final class PythonMainThread {
    private static final Runnable STOP = () -> {};

    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private final Thread thread;
    /** What the thread does whenever it has had no task for {@link #dutyInterval} nanoseconds; may be null. */
    private volatile Runnable duty;
    private volatile long dutyInterval;

    PythonMainThread() {
        thread = Thread.ofPlatform().name("tether-python-main").daemon(true).stackSize(Carriers.STACK_SIZE)
                .unstarted(this::loop);
        thread.start();
    }

    boolean isCurrent() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on this thread and waits for it, however long it takes. */
    <T> T call(Callable<T> task) {
        try {
            return call(task, Long.MAX_VALUE);
        } catch (TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Runs {@code task} on this thread and waits until {@code deadline} ({@link System#nanoTime()}). The task goes
     * on running after a timeout. Interrupts of the caller are deferred until the wait ends: the task runs anyway.
     */
    <T> T call(Callable<T> task, long deadline) throws TimeoutException {
        if (isCurrent()) {
            try {
                return task.call();
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return await(submit(task), deadline);
    }

    /** Queues {@code task} to run on this thread; the future completes when it has. */
    <T> Future<T> submit(Callable<T> task) {
        FutureTask<T> future = new FutureTask<>(task);
        tasks.add(future);
        return future;
    }

    /**
     * Waits for {@code future} until {@code deadline} ({@link Long#MAX_VALUE}: however long it takes) and returns
     * its result, rethrowing what the task threw. Interrupts are deferred until the wait ends.
     */
    static <T> T await(Future<T> future, long deadline) throws TimeoutException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (deadline == Long.MAX_VALUE) {
                        return future.get();
                    }
                    return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    if (e.getCause() instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Makes the thread run {@code duty} whenever no task came for {@code intervalNanos} (and at least that often
     * between tasks), until it stops. {@code duty} must not throw.
     */
    void duty(Runnable duty, long intervalNanos) {
        this.dutyInterval = intervalNanos;
        this.duty = duty;
    }

    /** Lets the thread end after the tasks already queued. */
    void stop() {
        tasks.add(STOP);
    }

    private void loop() {
        long lastDuty = System.nanoTime();
        while (true) {
            Runnable task;
            Runnable d = duty;
            try {
                task = d == null ? tasks.take() : tasks.poll(dutyInterval, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                continue; // only stop() ends this thread
            }
            if (task == STOP) {
                return;
            }
            if (task != null) {
                task.run();
            }
            if (d != null && (task == null || System.nanoTime() - lastDuty >= dutyInterval)) {
                d.run();
                lastDuty = System.nanoTime();
            }
        }
    }
}
