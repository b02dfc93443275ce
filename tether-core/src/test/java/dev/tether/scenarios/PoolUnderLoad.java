package dev.tether.scenarios;

import dev.tether.ErrorCode;
import dev.tether.Interpreter;
import dev.tether.InterpreterConfig;
import dev.tether.InterpreterPool;
import dev.tether.PythonCallable;
import dev.tether.PythonException;
import dev.tether.PythonRuntime;
import dev.tether.ThreadStateException;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link InterpreterPool} under load. Argument {@code close <runs>}: producers (platform and virtual threads)
 * submit a mix of tasks (pure-Python loops, short sleeps, tasks that raise) while the pool is closed under them,
 * without a deadline in even runs and with a short one in odd runs; every accepted task must end, as completed,
 * failed with a typed error, or cancelled, and none may be left pending once the close returned. Argument
 * {@code cancel <n>}: tasks spinning in pure Python are cancelled with {@code cancel(true)}; nine in ten must stop
 * within {@link #CANCEL_WITHIN} and all within {@link #CANCEL_LIMIT}, and the next task on the same member must see no stray interrupt; queued tasks cancelled
 * never run.
 */
public final class PoolUnderLoad extends Scenario {
    /** The longest a running pure-Python task may go on after {@code cancel(true)}. */
    static final Duration CANCEL_WITHIN = Duration.ofMillis(100);
    /** The longest any may, on a loaded machine. */
    static final Duration CANCEL_LIMIT = Duration.ofSeconds(1);
    /** Members of each pool. */
    static final int MEMBERS = 2;
    private static final String SETUP = """
            import time
            def spin(n):
                s = 0
                for i in range(n):
                    s += i * i
                return s
            def fail():
                raise ValueError('as planned')
            """;

    @Override
    protected void run(String[] args) throws Exception {
        PythonRuntime python = PythonRuntime.start();
        int n = Integer.parseInt(args[1]);
        if (args[0].equals("close")) {
            for (int run = 0; run < n; run++) {
                closeUnderLoad(python, run % 2 == 1);
                count("runs");
            }
        } else {
            apiChecks(python);
            cancellations(python, n);
        }
        python.close(Duration.ofSeconds(30));
        check(python.isClosed(), "the runtime did not close");
    }

    // ---- close under load -------------------------------------------------------------------------------------

    private void closeUnderLoad(PythonRuntime python, boolean withDeadline) throws Exception {
        InterpreterPool pool = python.newPool(MEMBERS, InterpreterConfig.isolated(), ts -> ts.exec(SETUP));
        ConcurrentLinkedQueue<CompletableFuture<Long>> accepted = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> producers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Thread.Builder builder = i % 2 == 0 ? Thread.ofPlatform() : Thread.ofVirtual();
            producers.add(builder.name("producer-" + i).start(() -> produce(pool, accepted, stop)));
        }
        Thread.sleep(ThreadLocalRandom.current().nextInt(50, 250));
        long begin = System.nanoTime();
        try {
            if (withDeadline) {
                pool.close(Duration.ofMillis(200));
            } else {
                pool.close();
            }
        } catch (ThreadStateException e) {
            count("closeFailed");
            System.err.println("close failed: " + e.getMessage());
        }
        count("closeMicros", TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - begin));
        // Every task accepted before the close returned has ended by now.
        long pendingAfterClose = accepted.stream().filter(f -> !f.isDone()).count();
        count("pendingAfterClose", pendingAfterClose);
        stop.set(true);
        for (Thread t : producers) {
            t.join(30_000);
            check(!t.isAlive(), t.getName() + " did not end");
        }
        for (CompletableFuture<Long> f : accepted) {
            judge(f);
        }
        for (Interpreter member : pool.interpreters()) {
            check(member.state() == Interpreter.State.CLOSED, "a member is " + member.state());
        }
        check(pool.toString().contains("CLOSED"), "the pool is " + pool);
    }

    private void produce(InterpreterPool pool, ConcurrentLinkedQueue<CompletableFuture<Long>> accepted,
                         AtomicBoolean stop) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (!stop.get()) {
            int kind = random.nextInt(10);
            CompletableFuture<Long> f = pool.submit(ts -> switch (kind) {
                case 0 -> (Long) ts.eval("time.sleep(0.002) or 7");
                case 1 -> (Long) ts.eval("fail()");
                default -> (Long) ts.eval("spin(" + (1000 + kind * 3000) + ")");
            });
            count("submitted");
            accepted.add(f);
            if (random.nextInt(50) == 0) {
                f.cancel(random.nextBoolean());
            }
            if (f.isCompletedExceptionally()) {
                try {
                    Thread.sleep(1); // refused (the pool is closing): a producer backs off, as real ones would
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Counts how {@code f} ended; anything but the expected outcomes is "unexpected". */
    private void judge(CompletableFuture<Long> f) {
        if (!f.isDone()) {
            count("neverEnded");
            return;
        }
        if (f.isCancelled()) {
            count("cancelled");
            return;
        }
        try {
            f.join();
            count("completed");
        } catch (CompletionException e) {
            switch (e.getCause()) {
                case ThreadStateException t when t.code() == ErrorCode.INTERPRETER_FINALIZING -> count("refusedFinalizing");
                case ThreadStateException t when t.code() == ErrorCode.INTERPRETER_CLOSED -> count("refusedClosed");
                case PythonException p when p.pythonType().equals("ValueError") -> count("raised");
                case PythonException p when p.isKeyboardInterrupt() -> count("interrupted");
                default -> {
                    count("unexpected");
                    e.getCause().printStackTrace();
                }
            }
        } catch (CancellationException e) {
            count("cancelled");
        }
    }

    // ---- the API's edges ----------------------------------------------------------------------------------------

    /** Refusals and failures of the pool's API are typed and leave nothing behind. */
    private void apiChecks(PythonRuntime python) throws Exception {
        try {
            python.newPool(0);
            count("apiUnexpected");
        } catch (IllegalArgumentException e) {
            count("apiChecked");
        }
        int before = python.interpreters().size();
        try {
            python.newPool(2, InterpreterConfig.isolated(), ts -> ts.exec("raise ImportError('no such thing')"));
            count("apiUnexpected");
        } catch (PythonException e) {
            check(e.pythonType().equals("ImportError"), "setup failure type " + e.pythonType());
            check(python.interpreters().size() == before, "a failed pool left interpreters behind");
            count("apiChecked");
        }
        InterpreterPool pool = python.newPool(1, InterpreterConfig.isolated(), ts -> ts.exec(SETUP));
        check(pool.size() == 1 && pool.interpreters().size() == 1, "size");
        check(pool.toString().contains("1 member"), "toString: " + pool);
        // A task that leaves a thread state open: the worker goes on clean.
        pool.call(ts -> dev.tether.ThreadState.ensure(ts.interpreter()));
        check(pool.call(ts -> (Long) ts.eval("spin(10)")) == 285, "the worker was not clean after a leak");
        Interpreter member = pool.interpreters().get(0);
        try (dev.tether.ThreadState ts = dev.tether.ThreadState.ensure(member)) {
            pool.close();
            count("apiUnexpected");
        } catch (ThreadStateException e) {
            check(e.code() == ErrorCode.CLOSE_WHILE_ATTACHED, "close while attached: " + e.code());
            count("apiChecked");
        }
        CompletableFuture<Long> ran = new CompletableFuture<>();
        pool.execute(() -> ran.complete((Long) dev.tether.ThreadState.current().orElseThrow().eval("spin(3)")));
        check(ran.get(30, TimeUnit.SECONDS) == 5, "execute");
        pool.close();
        pool.close(); // idempotent
        try {
            pool.execute(() -> {});
            count("apiUnexpected");
        } catch (java.util.concurrent.RejectedExecutionException e) {
            check(e.getCause() instanceof ThreadStateException t && t.code() == ErrorCode.INTERPRETER_CLOSED,
                    "execute after close: " + e.getCause());
            count("apiChecked");
        }
        try {
            pool.call(ts -> 1L);
            count("apiUnexpected");
        } catch (ThreadStateException e) {
            check(e.code() == ErrorCode.INTERPRETER_CLOSED, "call after close: " + e.code());
            count("apiChecked");
        }
        check(member.state() == Interpreter.State.CLOSED, "member after close: " + member.state());
    }

    // ---- cancellation -----------------------------------------------------------------------------------------

    private void cancellations(PythonRuntime python, int n) throws Exception {
        try (InterpreterPool pool = python.newPool(MEMBERS, InterpreterConfig.isolated(), ts -> ts.exec(SETUP))) {
            long[] latencies = new long[n];
            for (int i = 0; i < n; i++) {
                latencies[i] = cancelOne(pool);
                // The next task on every member runs bytecode for a while: a stray interrupt would hit it.
                List<CompletableFuture<Long>> next = new ArrayList<>();
                for (int m = 0; m < MEMBERS * 2; m++) {
                    next.add(pool.submit(ts -> (Long) ts.eval("spin(20000)")));
                }
                for (CompletableFuture<Long> f : next) {
                    try {
                        f.join();
                        count("nextTaskClean");
                    } catch (CompletionException e) {
                        count("strayInterrupt");
                        e.printStackTrace();
                    }
                }
            }
            cancelQueued(pool);
            Arrays.sort(latencies);
            count("cancelMedianMicros", latencies[n / 2]);
            count("cancelP90Micros", latencies[(int) (n * 0.9)]);
            count("cancelMaxMicros", latencies[n - 1]);
        }
    }

    /** Cancels a task spinning in pure Python; returns how long (µs) its Python code went on afterwards. */
    private long cancelOne(InterpreterPool pool) throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        AtomicLong stoppedAt = new AtomicLong();
        CompletableFuture<Object> spinning = pool.submit(ts -> {
            ts.globals().setItem("_started", (PythonCallable) (a, k) -> {
                started.countDown();
                return null;
            });
            try {
                ts.exec("_started()\nwhile True:\n    pass");
            } catch (PythonException e) {
                stoppedAt.set(System.nanoTime());
                count(e.isKeyboardInterrupt() ? "spinInterrupted" : "spinOther");
            }
            return null;
        });
        check(started.await(30, TimeUnit.SECONDS), "the spinning task did not start");
        Thread.sleep(ThreadLocalRandom.current().nextInt(1, 20));
        long cancelAt = System.nanoTime();
        check(spinning.cancel(true), "cancel(true) of a running task returned false");
        check(spinning.isCancelled(), "the future is not cancelled");
        // Wait for the task's function to return: the member runs the next task only then.
        pool.call(ts -> null);
        while (stoppedAt.get() == 0) { // the other member may have run that one
            Thread.onSpinWait();
        }
        count("cancelledRunning");
        return Math.max(0, (stoppedAt.get() - cancelAt) / 1000);
    }

    /** Queued tasks that are cancelled never run. */
    private void cancelQueued(InterpreterPool pool) throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        List<CompletableFuture<Object>> blockers = new ArrayList<>();
        for (int m = 0; m < MEMBERS; m++) {
            blockers.add(pool.submit(ts -> ts.detached(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            })));
        }
        AtomicLong ran = new AtomicLong();
        List<CompletableFuture<Object>> queued = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            queued.add(pool.submit(ts -> {
                ran.incrementAndGet();
                return null;
            }));
        }
        for (CompletableFuture<Object> f : queued) {
            check(f.cancel(false), "cancel of a queued task returned false");
        }
        release.countDown();
        for (CompletableFuture<Object> b : blockers) {
            b.join();
        }
        pool.call(ts -> null);
        count("queuedCancelled", queued.size());
        count("queuedRan", ran.get());
    }

    // ---- the suites: how this scenario is run and judged -------------------------------------------------------

    /** Closes per version ({@code -Dtether.test.stormRuns} scales them, as the storms). */
    static final int CLOSE_RUNS = Math.max(2, Integer.getInteger("tether.test.stormRuns", 20) * 3 / 10);
    /** Cancellations of running tasks per version. */
    static final int CANCELS = 30;
    /** Refusals {@link #apiChecks} provokes. */
    static final int API_CHECKS = 5;

    /** Pool close under load: every accepted task accounted for. */
    public static void closeSuite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, PoolUnderLoad.class, Duration.ofMinutes(3), "close",
                Integer.toString(CLOSE_RUNS));
        Verdicts.clean(o);
        long ended = o.count("completed") + o.count("cancelled") + o.count("refusedFinalizing")
                + o.count("refusedClosed") + o.count("raised") + o.count("interrupted");
        Verdicts.require(o.count("runs") == CLOSE_RUNS, "runs", o);
        Verdicts.require(o.count("submitted") == ended, "submitted " + o.count("submitted") + " != ended " + ended
                + " (a task was lost)", o);
        Verdicts.require(o.count("pendingAfterClose") == 0 && o.count("neverEnded") == 0,
                "a task was still pending after the pool's close returned", o);
        Verdicts.require(o.count("unexpected") == 0 && o.count("closeFailed") == 0, "unexpected outcomes", o);
        Verdicts.require(o.count("completed") > 0, "nothing completed", o);
        Verdicts.report(String.format("pool-close CPython %-6s runs=%d submitted=%d completed=%d raised=%d"
                        + " cancelled=%d refusedFinalizing=%d refusedClosed=%d interrupted=%d lost=0"
                        + " meanCloseMs=%.1f", python, o.count("runs"), o.count("submitted"), o.count("completed"),
                o.count("raised"), o.count("cancelled"), o.count("refusedFinalizing"), o.count("refusedClosed"),
                o.count("interrupted"), o.count("closeMicros") / 1000.0 / CLOSE_RUNS));
    }

    /** Cancellation: running pure-Python tasks stop within {@link #CANCEL_WITHIN}; nothing stray. */
    public static void cancelSuite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, PoolUnderLoad.class, Duration.ofMinutes(3), "cancel",
                Integer.toString(CANCELS));
        Verdicts.clean(o);
        Verdicts.require(o.count("cancelledRunning") == CANCELS && o.count("spinInterrupted") == CANCELS,
                "running tasks cancelled", o);
        Verdicts.require(o.count("strayInterrupt") == 0, "an interrupt reached a later task", o);
        Verdicts.require(o.count("queuedRan") == 0, "a cancelled queued task ran", o);
        Verdicts.require(o.count("apiChecked") == API_CHECKS && o.count("apiUnexpected") == 0, "API checks", o);
        // On a machine this busy a wake-up can take tens of milliseconds: nine in ten within the target, none long.
        Verdicts.require(o.count("cancelP90Micros") <= CANCEL_WITHIN.toNanos() / 1000,
                "cancelled tasks ran on past " + CANCEL_WITHIN + " (90th percentile)", o);
        Verdicts.require(o.count("cancelMaxMicros") <= CANCEL_LIMIT.toNanos() / 1000,
                "a cancelled task ran on past " + CANCEL_LIMIT, o);
        Verdicts.report(String.format("pool-cancel CPython %-6s cancels=%d medianMs=%.1f p90Ms=%.1f maxMs=%.1f"
                        + " stray=0 queuedCancelled=%d queuedRan=0", python, CANCELS,
                o.count("cancelMedianMicros") / 1000.0, o.count("cancelP90Micros") / 1000.0,
                o.count("cancelMaxMicros") / 1000.0, o.count("queuedCancelled")));
    }
}
