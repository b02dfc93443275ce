package dev.tether.scenarios;

import dev.tether.ErrorCode;
import dev.tether.Interpreter;
import dev.tether.InterpreterConfig;
import dev.tether.InterpreterPool;
import dev.tether.PyObject;
import dev.tether.PythonRuntime;
import dev.tether.ThreadState;
import dev.tether.ThreadStateException;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@link #THREADS} virtual threads make {@link #CALLS} calls each, against the main interpreter
 * ({@code main.call}) or a pool ({@code pool.call}); in the {@code close} variant the runtime (or the pool) is
 * closed mid-run, and the close must land while calls are still being made. Every call must complete or be refused
 * with a typed error, the work must never run on a virtual thread (a thread state never follows one across
 * carriers), and every virtual thread must end.
 *
 * <p>In the steady variants, {@link #PROBES} unrelated virtual threads doing {@link #SLEEPS} sleeps of 1 ms each
 * must be slowed no more than twice as much as by a control storm without Python: the same virtual threads handing
 * empty tasks to a plain pool of as many platform threads. Each storm is a closed loop (a thread hands over its next
 * call when the last one returned), so its waiting threads queue wherever the loop is slowest: behind the workers,
 * or in the virtual-thread scheduler's queue, where the probes wait behind them. The control's empty tasks put the
 * whole backlog in the scheduler's queue, the worst case for the probes without Python; what Tether must not add is
 * a scheduler carrier pinned in Python or waiting for a GIL. Arguments: {@code main|pool steady|close}.
 */
public final class VirtualThreadStorm extends Scenario {
    static final int THREADS = 10_000;
    static final int CALLS = 20;
    static final int PROBES = 10;
    static final int SLEEPS = 100;
    /**
     * The storm threads start spread over this long (as requests arrive), and the probe begins twice as late: when
     * 10 000 threads become runnable at the same instant, the scheduler's queue holds all of them for a moment
     * whatever they do, and a probe then would measure that instant, not the steady state.
     */
    static final long SPREAD_MILLIS = 100;

    @Override
    protected void run(String[] args) throws Exception {
        boolean pool = args[0].equals("pool");
        boolean close = args[1].equals("close");
        PythonRuntime python = PythonRuntime.start();
        Interpreter main = python.mainInterpreter();
        main.run(ts -> ts.exec("def f(x):\n    return x + 1\n"));
        InterpreterPool members = pool ? python.newPool(2, InterpreterConfig.isolated(),
                ts -> ts.exec("def f(x):\n    return x + 1\n")) : null;
        Function<Function<ThreadState, Long>, Long> caller = pool ? members::call : main::call;

        warmUp(caller); // the JIT compiler's threads would otherwise share the cores with the probes
        int workers = pool ? members.size() : Runtime.getRuntime().availableProcessors(); // carrierThreads default
        long[] alone = probe();
        count("probeAloneMillis", alone[0]);
        count("platformAloneMillis", alone[1]);

        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>(THREADS);
        for (int i = 0; i < THREADS; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                ThreadLocalRandom random = ThreadLocalRandom.current();
                try {
                    Thread.sleep(random.nextLong(SPREAD_MILLIS));
                } catch (InterruptedException e) {
                    return;
                }
                for (int k = 0; k < CALLS; k++) {
                    call(caller);
                }
            }));
        }
        go.countDown();
        Thread.sleep(2 * SPREAD_MILLIS); // into the steady state: every storm thread is calling by now
        if (!close) {
            // Five probes while the storm runs; the middle one counts (one can land on a moment the machine's other
            // load took the cores), and each is logged.
            long[][] during = {probe(), probe(), probe(), probe(), probe()};
            java.util.Arrays.sort(during, java.util.Comparator.comparingLong(p -> p[0]));
            System.out.println("probes during the storm (virtual ms/platform ms): " + java.util.Arrays.stream(during)
                    .map(p -> p[0] + "/" + p[1]).toList());
            count("probeDuringMillis", during[2][0]);
            count("platformDuringMillis", during[2][1]);
        } else {
            // No probes: the close must land while the storm runs (a two-member pool finishes it in about 2 s).
            Thread.sleep(ThreadLocalRandom.current().nextInt(10, 200));
            if (pool) {
                members.close(Duration.ofSeconds(10));
            } else {
                python.close(Duration.ofSeconds(10));
            }
        }
        for (Thread t : threads) {
            t.join(TimeUnit.MINUTES.toMillis(2));
            if (!t.isAlive()) {
                count("threadsEnded");
            }
        }
        long[] after = probe(); // alone again: the machine's own load may have changed meanwhile
        count("probeAfterMillis", after[0]);
        count("platformAfterMillis", after[1]);
        if (!close) {
            long[] control = controlStorm(workers);
            count("controlDuringMillis", control[0]);
            count("controlPlatformMillis", control[1]);
        }
        if (pool && !close) {
            members.close();
        }
        if (!python.isClosed()) {
            python.close(Duration.ofSeconds(30));
        }
        check(python.isClosed(), "the runtime did not close");
    }

    /** A small storm first, not counted: compiles the paths the storm and the probes run. */
    private static void warmUp(Function<Function<ThreadState, Long>, Long> caller) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                for (int k = 0; k < 100; k++) {
                    caller.apply(ts -> (Long) ts.eval("41 + 1"));
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        probe();
    }

    /**
     * The storm without Python: {@link #THREADS} virtual threads hand empty tasks to a pool of {@code workers}
     * platform threads one after another and wait for each, until the probes (as for the real storm) are done.
     *
     * @return the middle probe during it: the slowest virtual thread's ms and the platform thread's ms
     */
    private static long[] controlStorm(int workers) throws Exception {
        try (java.util.concurrent.ExecutorService plain = java.util.concurrent.Executors.newFixedThreadPool(workers)) {
            CountDownLatch go = new CountDownLatch(1);
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.LongAdder tasks = new java.util.concurrent.atomic.LongAdder();
            List<Thread> threads = new ArrayList<>(THREADS);
            for (int i = 0; i < THREADS; i++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        go.await();
                        Thread.sleep(ThreadLocalRandom.current().nextLong(SPREAD_MILLIS));
                        while (!stop.get()) {
                            plain.submit(tasks::increment).get();
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            go.countDown();
            Thread.sleep(2 * SPREAD_MILLIS);
            long[][] during = {probe(), probe(), probe(), probe(), probe()};
            java.util.Arrays.sort(during, java.util.Comparator.comparingLong(p -> p[0]));
            stop.set(true);
            System.out.println("probes during the control storm (virtual ms/platform ms): "
                    + java.util.Arrays.stream(during).map(p -> p[0] + "/" + p[1]).toList() + ", " + tasks.sum()
                    + " tasks");
            for (Thread t : threads) {
                t.join();
            }
            return during[2];
        }
    }

    private void call(Function<Function<ThreadState, Long>, Long> caller) {
        count("attempts");
        try {
            long v = caller.apply(ts -> {
                if (Thread.currentThread().isVirtual()) {
                    count("ranOnVirtual");
                }
                try (PyObject f = ts.globals().getItem("f")) {
                    return (Long) f.invoke(41L);
                }
            });
            count(v == 42 ? "completed" : "wrongResult");
        } catch (ThreadStateException e) {
            count(e.code() == ErrorCode.INTERPRETER_FINALIZING ? "refusedFinalizing"
                    : e.code() == ErrorCode.INTERPRETER_CLOSED ? "refusedClosed" : "unexpected");
        } catch (RuntimeException | Error e) {
            count("unexpected");
            e.printStackTrace();
        }
    }

    /**
     * {@link #PROBES} unrelated virtual threads sleep 1 ms {@link #SLEEPS} times, and beside them one platform thread
     * does the same: the slowest virtual thread's time and the platform thread's time (ms). The platform thread
     * measures what the machine's own load (other processes, and this JVM's other threads) does to a sleeping
     * thread; the virtual threads, that plus what happens to their scheduler.
     */
    private static long[] probe() throws InterruptedException {
        long[] took = new long[PROBES + 1];
        List<Thread> probes = new ArrayList<>();
        for (int i = 0; i <= PROBES; i++) {
            int index = i;
            Runnable sleeper = () -> {
                long begin = System.nanoTime();
                for (int k = 0; k < SLEEPS; k++) {
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                took[index] = System.nanoTime() - begin;
            };
            probes.add(i < PROBES ? Thread.ofVirtual().start(sleeper) : Thread.ofPlatform().start(sleeper));
        }
        long slowest = 0;
        for (int i = 0; i <= PROBES; i++) {
            probes.get(i).join();
            if (i < PROBES) {
                slowest = Math.max(slowest, took[i]);
            }
        }
        return new long[] {TimeUnit.NANOSECONDS.toMillis(slowest), TimeUnit.NANOSECONDS.toMillis(took[PROBES])};
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /**
     * Three variants, one JVM each: main and pool steady, and one closed mid-run — the main interpreter (the
     * runtime) on even minor versions, the pool on odd ones, so the matrix covers both at the cost of three JVMs.
     */
    public static void suite(PythonInstall python) {
        List<String> lines = new ArrayList<>();
        String closing = python.minor() % 2 == 0 ? "main" : "pool";
        for (String target : List.of("main", "pool")) {
            for (String variant : target.equals(closing) ? List.of("steady", "close") : List.of("steady")) {
                Outcome o = ScenarioRunner.run(python, VirtualThreadStorm.class, Duration.ofMinutes(4), target,
                        variant);
                Verdicts.clean(o);
                long accounted = o.count("completed") + o.count("refusedFinalizing") + o.count("refusedClosed");
                Verdicts.require(o.count("attempts") == (long) THREADS * CALLS, "attempts", o);
                Verdicts.require(o.count("attempts") == accounted, "a call was lost", o);
                Verdicts.require(o.count("unexpected") == 0 && o.count("wrongResult") == 0, "unexpected outcomes", o);
                Verdicts.require(o.count("ranOnVirtual") == 0, "work ran on a virtual thread", o);
                Verdicts.require(o.count("threadsEnded") == THREADS, "virtual threads did not all end", o);
                long refused = o.count("refusedFinalizing") + o.count("refusedClosed");
                if (variant.equals("close")) {
                    Verdicts.require(refused > 0, "the close did not land while the storm ran", o);
                    lines.add(String.format("%s/close completed=%d refused=%d", target, o.count("completed"), refused));
                    continue; // the steady variants judge the scheduler
                }
                Verdicts.require(o.count("completed") == (long) THREADS * CALLS, "refusals without a close", o);
                boolean afterIsSlower = o.count("probeAfterMillis") > o.count("probeAloneMillis");
                long alone = afterIsSlower ? o.count("probeAfterMillis") : o.count("probeAloneMillis");
                long platformAlone = afterIsSlower ? o.count("platformAfterMillis") : o.count("platformAloneMillis");
                long during = o.count("probeDuringMillis");
                long platformDuring = o.count("platformDuringMillis");
                long control = Math.max(alone, o.count("controlDuringMillis"));
                long platformControl = o.count("controlPlatformMillis");
                // What the machine's other load did to a platform thread's sleeps during the storm, beyond what it
                // did during the control, the virtual threads may suffer too; beyond that, twice the control's.
                double machine = Math.max(1.0, (double) platformDuring / Math.max(1, platformControl));
                Verdicts.require(during <= 2 * control * machine, "unrelated virtual threads took " + during
                        + " ms during the storm, more than twice the " + control + " ms of the control storm without"
                        + " Python (alone: " + alone + " ms; platform thread " + platformControl + " -> "
                        + platformDuring + " ms)", o);
                lines.add(String.format("%s/steady completed=%d refused=%d probe=%d->%dms(control %dms)",
                        target, o.count("completed"), refused, alone, during, control));
            }
        }
        Verdicts.report(String.format("vthread-storm CPython %-6s threads=%d calls=%d %s", python, THREADS, CALLS,
                String.join(" ", lines)));
    }
}
