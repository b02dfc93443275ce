package dev.tether;

import dev.tether.internal.runtime.PoolImpl;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

/**
 * A fixed set of subinterpreters that run Python work in parallel: each member has its own GIL on CPython 3.12+,
 * so {@link #size()} members run Python on up to that many cores at once. Made by
 * {@link PythonRuntime#newPool(int)}.
 *
 * {@snippet :
 * try (InterpreterPool pool = python.newPool(2, InterpreterConfig.isolated(),
 *         ts -> ts.exec("import json\ndef score(s): return sum(json.loads(s)['v'])"))) {
 *     List<CompletableFuture<Long>> parts = records.stream()
 *             .map(r -> pool.submit(ts -> (Long) ts.eval("score(" + pyStr(r) + ")")))
 *             .toList();
 *     long total = parts.stream().mapToLong(CompletableFuture::join).sum();
 * }
 * }
 *
 * <h2 id="members">Members and objects</h2>
 * Every member is set up once, by the {@code setup} given to {@code newPool} (imports, functions, state), on the
 * thread that serves it. A task runs on whichever member is free next, attached to it; the {@link ThreadState} it
 * gets belongs to that member. Objects stay with the member that made them: return Java values (the
 * <a href="PyObject.html#conversions">conversion table</a> copies them out), or bytes ({@code pickle.dumps},
 * {@code json.dumps}) to move data between members; a {@link PyObject} returned from a task is still usable from
 * any thread, but every use attaches to the member that owns it. On CPython 3.9-3.11 members share one GIL: a pool
 * works there but runs one member's Python at a time ({@link #toString()} says so). On free-threaded builds a
 * pool works but is not needed: threads attached to one interpreter already run in parallel.
 *
 * <h2 id="queue">Queue and back-pressure</h2>
 * Tasks wait in one queue shared by the members, at most {@link #capacity()} of them ({@value
 * PoolImpl#QUEUE_PER_MEMBER} per member). {@link #submit} blocks while the queue is full, so producers slow down to
 * the pool's pace; from a virtual thread that wait unmounts it. A producer interrupted while it waits gets a future
 * that is already cancelled (the task is not queued), with its interrupt status set.
 *
 * <h2 id="cancellation">Cancellation</h2>
 * {@code future.cancel(true)} of a running task interrupts it: its Python code gets a {@code KeyboardInterrupt} at
 * its next bytecode (a blocking call such as {@code time.sleep} returns first), and the thread running it is
 * interrupted in Java. A queued task that is cancelled never runs. Either way the future reports the
 * cancellation; an interrupt never reaches the member's next task.
 *
 * <h2 id="lifecycle">Lifecycle</h2>
 * OPEN, then CLOSING once {@link #close()} begins, then CLOSED once every member is closed. Closing refuses new
 * tasks at once ({@link ErrorCode#INTERPRETER_FINALIZING}, then {@link ErrorCode#INTERPRETER_CLOSED}), lets every
 * accepted task finish, and closes the members, with the semantics of {@link Interpreter#close()}. With a deadline
 * ({@link #close(Duration)}), tasks still queued when it passes fail with
 * {@link ErrorCode#INTERPRETER_FINALIZING}, running ones are interrupted as by {@code cancel(true)} and given a
 * grace period; no accepted task is ever lost: each completes, or fails with a {@link ThreadStateException}, a
 * {@link PythonException} or a {@link CancellationException}. Closing the runtime refuses the pool's new and
 * queued tasks the same way.
 *
 * <h2 id="thread-safety">Thread safety</h2>
 * All methods may be called from any thread, virtual threads included.
 */
public final class InterpreterPool implements Executor, AutoCloseable {
    private final PoolImpl impl;
    private final List<Interpreter> members;

    InterpreterPool(PoolImpl impl) {
        this.impl = impl;
        this.members = impl.members().stream().map(Interpreter::of).toList();
    }

    /**
     * Runs {@code work} on the next free member, attached to it, and returns its result. The calling thread waits;
     * if it is interrupted meanwhile, the task is cancelled as by {@code cancel(true)} and this throws
     * {@link CancellationException} once the task has stopped, with the interrupt status set.
     *
     * @throws ThreadStateException if the pool is closing or closed, or the member refused the attachment
     * @throws PythonException      if Python code the work ran raised and the work let it through
     */
    public <T> T call(Function<? super ThreadState, ? extends T> work) {
        Objects.requireNonNull(work, "work");
        PoolFuture<T> future = new PoolFuture<>(work);
        impl.submit(future.task(), () -> new CancellationException(
                "interrupted while waiting for room in the queue of " + impl.describe()));
        try {
            return future.get();
        } catch (InterruptedException e) {
            boolean cancelled = future.cancel(true);
            future.awaitStopped(); // the caller gets control back only once its Python code has stopped
            Thread.currentThread().interrupt();
            if (!cancelled) {
                return future.join(); // it had completed meanwhile: its outcome stands
            }
            throw new CancellationException("interrupted while waiting for the task; it was cancelled");
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        }
    }

    /**
     * Queues {@code work} for the next free member (waiting while the queue is full, see
     * <a href="#queue">Queue and back-pressure</a>) and returns its future. The future fails with what the work
     * threw, with {@link ThreadStateException} if the pool refused the task (closing or closed) or a close past its
     * deadline dropped it, or is cancelled. {@code cancel(true)} interrupts a running task (see
     * <a href="#cancellation">Cancellation</a>).
     */
    public <T> CompletableFuture<T> submit(Function<? super ThreadState, ? extends T> work) {
        Objects.requireNonNull(work, "work");
        PoolFuture<T> future = new PoolFuture<>(work);
        impl.submit(future.task(), () -> new CancellationException(
                "interrupted while waiting for room in the queue of " + impl.describe()));
        return future;
    }

    /**
     * Runs {@code command} on the next free member, attached to it ({@link ThreadState#current()} is its thread
     * state). What it throws goes to the uncaught-exception handler of the thread that runs it.
     *
     * @throws RejectedExecutionException if the pool is closing or closed (the cause says which)
     */
    @Override
    public void execute(Runnable command) {
        Objects.requireNonNull(command, "command");
        CompletableFuture<Void> future = submit(ts -> {
            command.run();
            return null;
        });
        if (future.state() == Future.State.FAILED && future.exceptionNow() instanceof ThreadStateException refused) {
            throw new RejectedExecutionException(refused.getMessage(), refused);
        }
        future.whenComplete((v, failure) -> {
            if (failure != null && !(failure instanceof CancellationException)) {
                Thread t = Thread.currentThread();
                t.getUncaughtExceptionHandler().uncaughtException(t, unwrap(failure));
            }
        });
    }

    /** How many members the pool has. */
    public int size() {
        return members.size();
    }

    /** The members, in a fixed order. Closing one directly takes it out of service (its tasks are refused). */
    public List<Interpreter> interpreters() {
        return members;
    }

    /** How many tasks may wait in the queue before {@link #submit} blocks. */
    public int capacity() {
        return impl.capacity();
    }

    /**
     * Closes the pool, waiting as long as the accepted tasks take (see <a href="#lifecycle">Lifecycle</a>).
     *
     * @apiNote Idempotent: closing a closed pool returns at once; concurrent closes wait for each other.
     * @throws ThreadStateException {@link ErrorCode#CLOSE_WHILE_ATTACHED} if the calling thread is attached to a
     *                              member
     */
    @Override
    public void close() {
        impl.close(null);
    }

    /**
     * Closes the pool, giving the accepted tasks at most {@code timeout}; then drops the queued ones, interrupts the
     * running ones, and closes the members (see <a href="#lifecycle">Lifecycle</a>).
     *
     * @throws ThreadStateException {@link ErrorCode#CLOSE_TIMED_OUT} if a member could not be closed (the pool
     *                              stays closing; closing again retries)
     */
    public void close(Duration timeout) {
        impl.close(Objects.requireNonNull(timeout, "timeout"));
    }

    /** For example {@code "InterpreterPool[2 members, own GIL each, OPEN, 0 queued]"}. */
    @Override
    public String toString() {
        boolean ownGils = members.stream().allMatch(Interpreter::hasOwnGil);
        boolean freeThreaded = PythonRuntime.current().map(r -> r.version().freeThreaded()).orElse(false);
        String gil = freeThreaded ? "free-threaded build: no GIL to share"
                : ownGils ? "own GIL each" : "sharing one GIL: one runs Python at a time";
        return "InterpreterPool[" + members.size() + (members.size() == 1 ? " member, " : " members, ") + gil + ", "
                + impl.stateName() + ", " + impl.queued() + " queued]";
    }

    private static RuntimeException unwrap(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof RuntimeException r) {
            return r;
        }
        if (cause instanceof Error e) {
            throw e;
        }
        return new CompletionException(cause);
    }
}
