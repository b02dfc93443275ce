package dev.tether.internal.runtime;

import dev.tether.internal.protocol.ThreadStates;
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
 * waits unmounted. Each carrier keeps its thread states between calls and deletes them itself before it ends.
 */
final class Carriers {
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
                ThreadStates.dropCachedThreadStates();
            }
        });
        pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), factory);
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

    void shutdown() {
        pool.shutdown();
    }
}
