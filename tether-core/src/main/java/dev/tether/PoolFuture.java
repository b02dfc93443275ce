package dev.tether;

import dev.tether.internal.protocol.InterpreterImpl;
import dev.tether.internal.runtime.PoolTask;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The future of one pool task: completes with the work's result or exception, and interrupts the task's Python
 * code when cancelled with {@code mayInterruptIfRunning}. Futures derived from it ({@code thenApply}...) are plain
 * {@link CompletableFuture}s: cancelling one of those does not interrupt the task.
 */
final class PoolFuture<T> extends CompletableFuture<T> {
    private final Task task;

    PoolFuture(Function<? super ThreadState, ? extends T> work) {
        this.task = new Task(work);
    }

    PoolTask task() {
        return task;
    }

    /**
     * Cancels the task: a queued one never runs; a running one is interrupted if {@code mayInterruptIfRunning}
     * (see {@link InterpreterPool}, "Cancellation"). Returns whether this call cancelled it.
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled && !task.withdraw() && mayInterruptIfRunning) {
            task.interrupt();
        }
        return cancelled;
    }

    /** Waits until the task is not running any more (after a cancel: until its Python code has stopped). */
    void awaitStopped() {
        task.awaitStopped();
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }

    /** The internal half: what the worker runs. */
    private final class Task extends PoolTask {
        private final Function<? super ThreadState, ? extends T> work;

        Task(Function<? super ThreadState, ? extends T> work) {
            this.work = work;
        }

        @Override
        protected void run(InterpreterImpl member) {
            ThreadState ts;
            try {
                ts = ThreadState.ensure(Interpreter.of(member));
            } catch (RuntimeException refused) {
                completeExceptionally(refused);
                return;
            }
            T result = null;
            Throwable failure = null;
            try {
                result = work.apply(ts);
            } catch (Throwable t) {
                failure = t;
            } finally {
                ts.releaseThrough(); // and whatever the work left open: the worker runs the next task clean
            }
            // Completed detached: dependent actions run on this thread, and must not run holding the member's GIL.
            if (failure == null) {
                complete(result);
            } else {
                completeExceptionally(failure);
            }
        }

        @Override
        protected void reject(RuntimeException why) {
            completeExceptionally(why);
        }
    }
}
