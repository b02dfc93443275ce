package dev.tether.internal.runtime;

import dev.tether.ThreadStateException;
import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.IdleThreadStates;
import dev.tether.internal.protocol.Closer;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.InterpreterImpl;
import dev.tether.internal.protocol.ThreadStates;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A pool of subinterpreters, each served by one platform thread of its own (its worker), taking tasks from one
 * shared bounded queue: whichever member is free takes the next task, so every member stays busy while work waits.
 * One worker per member is enough: a member runs one thread's Python at a time (its GIL), and a worker keeps its
 * thread state idle between tasks (see {@link IdleThreadStates}), so a task
 * costs one cached attach.
 *
 * <pre>
 * state  OPEN ──close()──▶ CLOSING ──queue drained, workers ended, members closed──▶ CLOSED
 *        (monotonic; a close that times out leaves CLOSING, and closing again retries)
 * </pre>
 *
 * <p>Every accepted task ends exactly once: it runs (and completes with its result or its exception), or it is
 * cancelled before it ran, or a close past its deadline fails it with {@code INTERPRETER_FINALIZING}. The queue is
 * a two-lock {@link LinkedBlockingQueue}, so thousands of producers (virtual threads) do not contend with the
 * workers; a task counts in {@link #pending} from before it is queued until it ended, so a close that sees
 * {@code pending == 0} has seen every accepted task end. A producer that queued a task and then sees the pool
 * closing takes it back if no worker has yet (a Dekker-style check against the close, which sets the state first
 * and then looks at the queue): no task is queued after the workers left. A task's run and interrupt are ordered by
 * the task's own monitor ({@link PoolTask}).
 */
public final class PoolImpl {
    /** Tasks that may wait per member before {@code submit} blocks (the back-pressure policy: producers wait). */
    public static final int QUEUE_PER_MEMBER = 256;
    /** How long an idle worker waits before it looks whether its member is closing (see IdleThreadStates#retireIdle). */
    static final long IDLE_SLICE = TimeUnit.MILLISECONDS.toNanos(100);
    private static final AtomicInteger IDS = new AtomicInteger();

    static final int OPEN = 0;
    static final int CLOSING = 1;
    static final int CLOSED = 2;

    private final int id = IDS.incrementAndGet();
    private final RuntimeImpl runtime;
    private final List<InterpreterImpl> members;
    private final List<Worker> workers = new ArrayList<>();
    private final int capacity;
    private final LinkedBlockingQueue<PoolTask> queue;
    /** Tasks queued or running: incremented before a task is queued, decremented once it ended or was taken back. */
    private final AtomicInteger pending = new AtomicInteger();
    /** Where a close waits for {@link #pending} to reach 0; signalled by whoever brings it there. */
    private final ReentrantLock idleLock = new ReentrantLock();
    private final Condition idle = idleLock.newCondition();
    /** OPEN, CLOSING, CLOSED: moved by the closer (and by the runtime's close to CLOSING). */
    private volatile int state = OPEN;
    /** Serializes closers. */
    private final ReentrantLock closeLock = new ReentrantLock();

    private PoolImpl(RuntimeImpl runtime, List<InterpreterImpl> members) {
        this.runtime = runtime;
        this.members = List.copyOf(members);
        this.capacity = QUEUE_PER_MEMBER * members.size();
        this.queue = new LinkedBlockingQueue<>(capacity);
    }

    /**
     * Creates {@code size} subinterpreters and their workers; {@code setup} runs once on each worker (attached to
     * its member by the caller's code) before the pool takes tasks.
     *
     * <ol>
     *   <li>Create the members (on CPython's main thread, one after another).</li>
     *   <li>Start one worker per member; each runs {@code setup} for its member and reports.</li>
     *   <li>If any setup failed: end the workers, close every member, rethrow the first failure.</li>
     * </ol>
     *
     * @param setup run on the worker with its member; may throw (the pool is then not created)
     */
    public static PoolImpl create(RuntimeImpl runtime, int size, SubinterpreterConfig config,
                                  Consumer<InterpreterImpl> setup) {
        List<InterpreterImpl> members = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                members.add(runtime.newInterpreter(config));
            }
        } catch (RuntimeException e) {
            closeQuietly(members, e);
            throw e;
        }
        PoolImpl pool = new PoolImpl(runtime, members);
        RuntimeException failure = pool.startWorkers(setup);
        if (failure != null) {
            pool.state = CLOSING;
            pool.stopWorkers(Long.MAX_VALUE);
            closeQuietly(members, failure);
            throw failure;
        }
        runtime.register(pool);
        return pool;
    }

    private RuntimeException startWorkers(Consumer<InterpreterImpl> setup) {
        List<Worker> started = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            Worker w = new Worker(members.get(i), "tether-pool-" + id + "-" + i, setup);
            workers.add(w);
            started.add(w);
        }
        RuntimeException failure = null;
        for (Worker w : started) {
            RuntimeException e = w.awaitSetup();
            if (e != null && failure == null) {
                failure = e;
            } else if (e != null) {
                failure.addSuppressed(e);
            }
        }
        return failure;
    }

    private static void closeQuietly(List<InterpreterImpl> members, RuntimeException failure) {
        for (InterpreterImpl m : members) {
            try {
                Closer.close(m, null);
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
    }

    public List<InterpreterImpl> members() {
        return members;
    }

    public int capacity() {
        return capacity;
    }

    /** "OPEN", "CLOSING" or "CLOSED". */
    public String stateName() {
        return switch (state) {
            case OPEN -> "OPEN";
            case CLOSING -> "CLOSING";
            default -> "CLOSED";
        };
    }

    /** Tasks waiting now. */
    public int queued() {
        return queue.size();
    }

    /** "pool 3": how messages name it. */
    public String describe() {
        return "pool " + id;
    }

    /**
     * Queues {@code task}, waiting while the queue is full. If the pool is closing or closed the task is rejected
     * at once (its refusal says which); if the calling thread is interrupted while it waits, the task is rejected
     * (never queued) with {@code why} built by {@code onInterrupt}, and the interrupt status stays set.
     */
    public void submit(PoolTask task, java.util.function.Supplier<RuntimeException> onInterrupt) {
        pending.incrementAndGet();
        RuntimeException refused = state == OPEN ? null : notOpen();
        try {
            while (refused == null && !queue.offer(task, IDLE_SLICE, TimeUnit.NANOSECONDS)) {
                if (state != OPEN) {
                    refused = notOpen(); // the queue stayed full until the close began
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            refused = onInterrupt.get();
        }
        if (refused == null && state != OPEN && queue.remove(task)) {
            refused = notOpen(); // queued as the close began, and no worker took it: it was never accepted
        }
        if (refused != null) {
            settleRejected(task, refused);
            ended();
        }
    }

    private RuntimeException notOpen() {
        return Failures.poolNotOpen(describe(), state == CLOSED).exception();
    }

    private static void settleRejected(PoolTask task, RuntimeException why) {
        if (task.withdraw()) {
            task.reject(why);
        }
    }

    /**
     * Closes the pool: new tasks are refused at once, the queued and running ones finish, the workers end, and
     * every member is closed.
     *
     * <ol>
     *   <li>CLOSING: producers waiting for space are refused; no task is accepted any more.</li>
     *   <li>Wait until the queue is empty and no task runs, until the deadline.</li>
     *   <li>Past the deadline: fail the tasks still queued (INTERPRETER_FINALIZING), interrupt the running ones
     *       every {@link Closer#INTERRUPT_INTERVAL}, and wait for them a grace period (as an interpreter's close).</li>
     *   <li>Let the workers end; each deletes its idle thread state on its own thread first.</li>
     *   <li>Close every member within what is left (interrupting what still runs there); CLOSED if all closed.</li>
     * </ol>
     *
     * @param timeout null to wait as long as the tasks take
     * @throws ThreadStateException CLOSE_TIMED_OUT if a member could not be closed (the pool stays CLOSING)
     */
    public void close(Duration timeout) {
        for (InterpreterImpl m : members) {
            if (ThreadStates.holds(m)) {
                throw Failures.closeWhileAttached(m); // before anything changes: it would wait for itself
            }
        }
        long deadline = Closer.deadline(timeout);
        Duration grace = Closer.grace(timeout);
        closeLock.lock();
        try {
            if (state == CLOSED) {
                return;
            }
            refuseNewTasks();
            if (!awaitIdle(deadline)) {
                failQueued();
                interruptRunning(grace);
            }
            stopWorkers(deadline == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + grace.toNanos());
            closeMembers(deadline, grace);
            state = CLOSED;
            runtime.unregister(this);
        } finally {
            closeLock.unlock();
        }
    }

    /** The runtime is closing: refuse new tasks and fail the queued ones (their members refuse them anyway). */
    void runtimeClosing() {
        refuseNewTasks();
        failQueued();
    }

    private void refuseNewTasks() {
        if (state == OPEN) {
            state = CLOSING; // producers waiting for room see it within IDLE_SLICE, workers when the queue is empty
        }
    }

    private boolean awaitIdle(long deadline) {
        idleLock.lock();
        try {
            while (pending.get() > 0) {
                if (deadline == Long.MAX_VALUE) {
                    idle.awaitUninterruptibly();
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    idle.awaitNanos(left);
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return pending.get() == 0;
        } finally {
            idleLock.unlock();
        }
    }

    private void failQueued() {
        List<PoolTask> dropped = new ArrayList<>();
        queue.drainTo(dropped);
        for (PoolTask t : dropped) {
            settleRejected(t, Failures.poolClosedBeforeStart(describe()));
            ended();
        }
    }

    /** Interrupts the running tasks again every interrupt interval until none runs or the grace period is over. */
    private void interruptRunning(Duration grace) {
        long end = System.nanoTime() + grace.toNanos();
        while (true) {
            for (Worker w : workers) {
                PoolTask t = w.current;
                if (t != null) {
                    t.interrupt();
                }
            }
            long next = Math.min(end, System.nanoTime() + Closer.INTERRUPT_INTERVAL.toNanos());
            if (awaitIdle(next) || System.nanoTime() - end >= 0) {
                return;
            }
        }
    }

    /** Waits until {@code deadline} for the workers, which end once the pool is closing and the queue empty. */
    private void stopWorkers(long deadline) {
        for (Worker w : workers) {
            w.join(deadline);
        }
    }

    private void closeMembers(long deadline, Duration grace) {
        Closer.closeEach(members, deadline, grace);
    }

    /** The next task for a worker: waits at most {@link #IDLE_SLICE}; null on a timeout, STOP when done. */
    private PoolTask take() throws InterruptedException {
        PoolTask t = queue.poll(IDLE_SLICE, TimeUnit.NANOSECONDS);
        if (t == null && state != OPEN && queue.isEmpty()) {
            return STOP;
        }
        return t;
    }

    /** A task ended (ran, or was rejected or taken back): the close may be waiting for the last one. */
    private void ended() {
        if (pending.decrementAndGet() == 0 && state != OPEN) {
            idleLock.lock();
            try {
                idle.signalAll();
            } finally {
                idleLock.unlock();
            }
        }
    }

    /** What {@link #take} returns when the pool is closing and nothing is left. */
    private static final PoolTask STOP = new PoolTask() {
        @Override
        protected void run(InterpreterImpl member) {}

        @Override
        protected void reject(RuntimeException why) {}
    };

    @Override
    public String toString() {
        return describe() + " [" + stateName() + "]";
    }

    /** The thread that serves one member. */
    final class Worker {
        final InterpreterImpl member;
        final Thread thread;
        /** {@code PyThread_get_thread_ident()} of {@link #thread}, for interrupts. */
        volatile long ident;
        /** The task it runs now, for a close past its deadline; else null. */
        volatile PoolTask current;
        private final java.util.concurrent.CompletableFuture<Void> setupDone = new java.util.concurrent.CompletableFuture<>();

        Worker(InterpreterImpl member, String name, Consumer<InterpreterImpl> setup) {
            this.member = member;
            this.thread = Thread.ofPlatform().daemon().name(name).start(() -> loop(setup));
        }

        RuntimeException awaitSetup() {
            try {
                setupDone.join();
                return null;
            } catch (java.util.concurrent.CompletionException e) {
                return e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
        }

        /**
         * Runs setup, then tasks until the pool stops; between tasks an idle worker retires its thread state of a
         * member that is closing (IdleThreadStates#retireIdle); at the end it deletes its idle thread states itself.
         */
        private void loop(Consumer<InterpreterImpl> setup) {
            try {
                ident = CApi.PyThread_get_thread_ident();
                try {
                    setup.accept(member);
                    setupDone.complete(null);
                } catch (RuntimeException | Error e) {
                    setupDone.completeExceptionally(e);
                    return;
                }
                while (true) {
                    PoolTask t;
                    try {
                        t = take();
                    } catch (InterruptedException e) {
                        continue; // an interrupt meant for a task that already ended
                    }
                    if (t == STOP) {
                        return;
                    }
                    if (t == null) {
                        IdleThreadStates.retireIdle();
                    } else {
                        runOne(t);
                    }
                }
            } finally {
                IdleThreadStates.dropCachedThreadStates();
            }
        }

        private void runOne(PoolTask t) {
            try {
                if (t.start(this)) {
                    current = t;
                    t.run(member);
                    current = null;
                    if (t.finish()) {
                        withdrawInterrupt();
                    }
                }
            } finally {
                Thread.interrupted(); // a cancel's Java interrupt ends with its task
                ended();
            }
        }

        /**
         * Interrupts this worker: its Python code receives {@code tether.Interrupted} (a {@code KeyboardInterrupt}) at
         * the next bytecode, delivered by {@code protocol.Interrupts} to its outermost attachment; called under the
         * task's monitor, so it reaches only the task that runs now.
         */
        void interrupt() {
            thread.interrupt();
        }

        /**
         * After a task that was interrupted: withdraws a {@code KeyboardInterrupt} still pending in this worker's
         * thread state (it landed after the task's last bytecode), so that it cannot reach the next task.
         */
        private void withdrawInterrupt() {
            if (ThreadStates.ensure(member, null) instanceof dev.tether.internal.protocol.Attachment a) {
                CApi.PyThreadState_SetAsyncExc(ident, java.lang.foreign.MemorySegment.NULL);
                ThreadStates.release(a);
            }
            // else the member is closing: no task of it runs on this worker again, and its end discards the state
        }

        void join(long deadline) {
            try {
                if (deadline == Long.MAX_VALUE) {
                    thread.join();
                } else {
                    thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
