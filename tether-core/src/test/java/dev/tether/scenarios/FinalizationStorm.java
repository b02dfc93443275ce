package dev.tether.scenarios;

import dev.tether.Ensured;
import dev.tether.ErrorCode;
import dev.tether.Interpreter;
import dev.tether.InterpreterGuard;
import dev.tether.PythonException;
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
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Many threads attach to an interpreter in a loop (ensure, exec, release; guard, release; call from virtual
 * threads) while another thread closes it at a random moment. Every attempt must end as completed, or refused with
 * INTERPRETER_FINALIZING / INTERPRETER_CLOSED; every thread must end; the JVM must not crash or hang.
 *
 * <p>Arguments: {@code main} (close the runtime: the main interpreter) or {@code sub <runs>} (close a fresh
 * subinterpreter per run, with main-interpreter traffic alongside), then the number of platform threads.
 */
public final class FinalizationStorm extends Scenario {
    private static final int VIRTUAL_THREADS = 4;

    @Override
    protected void run(String[] args) throws Exception {
        boolean main = args[0].equals("main");
        int runs = main ? 1 : Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[main ? 1 : 2]);
        PythonRuntime python = PythonRuntime.start();
        for (int run = 0; run < runs; run++) {
            Interpreter target = main ? python.mainInterpreter() : python.newInterpreter();
            storm(python, target, threads, main);
            count("runs");
        }
        if (!main) {
            python.close(Duration.ofSeconds(30));
        }
        check(python.isClosed(), "the runtime did not close");
    }

    private void storm(PythonRuntime python, Interpreter target, int threads, boolean closeRuntime)
            throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            workers.add(Thread.ofPlatform().name("storm-" + i).start(() -> loop(target, stop, false)));
        }
        for (int i = 0; i < VIRTUAL_THREADS; i++) {
            workers.add(Thread.ofVirtual().name("storm-v" + i).start(() -> loop(target, stop, true)));
        }
        if (!closeRuntime) {
            // The main interpreter stays busy while the subinterpreter closes.
            Interpreter mainInterpreter = python.mainInterpreter();
            for (int i = 0; i < 2; i++) {
                workers.add(Thread.ofPlatform().name("main-" + i).start(() -> loop(mainInterpreter, stop, false)));
            }
        }
        Thread.sleep(ThreadLocalRandom.current().nextInt(20, 300));
        long begin = System.nanoTime();
        if (closeRuntime) {
            python.close(Duration.ofSeconds(20));
        } else {
            target.close(Duration.ofSeconds(20));
        }
        count("closeMicros", TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - begin));
        check(target.state() == Interpreter.State.CLOSED, "closed interpreter reports " + target.state());
        Thread.sleep(ThreadLocalRandom.current().nextInt(5, 50)); // attempts against a CLOSED interpreter too
        stop.set(true);
        for (Thread t : workers) {
            t.join(TimeUnit.SECONDS.toMillis(30));
            check(!t.isAlive(), "thread " + t.getName() + " did not end");
            count("threadsEnded");
        }
        count("threads", workers.size());
    }

    private void loop(Interpreter target, AtomicBoolean stop, boolean virtual) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (!stop.get()) {
            count("attempts");
            try {
                switch (virtual ? 3 : random.nextInt(4)) {
                    case 0, 1 -> ensureExecRelease(target);
                    case 2 -> guardRelease(target);
                    default -> {
                        long v = target.call(ts -> (Long) ts.eval("sum(range(20))"));
                        check(v == 190, "wrong result " + v);
                        count("completed");
                    }
                }
            } catch (ThreadStateException e) {
                refused(e.code());
            } catch (PythonException e) {
                count("pythonExceptions");
                System.err.println("unexpected " + e.getMessage());
            } catch (RuntimeException | Error e) {
                count("unexpected");
                e.printStackTrace();
            }
            if (random.nextInt(8) == 0) {
                Thread.yield();
            }
        }
    }

    private void ensureExecRelease(Interpreter target) {
        switch (ThreadState.tryEnsure(target)) {
            case Ensured.Attached(ThreadState ts) -> {
                try (ts) {
                    ts.exec("x = [i * i for i in range(30)]");
                    try (ThreadState nested = ThreadState.ensure(target)) {
                        check((Long) nested.eval("len(x)") == 30, "nested attach saw another namespace");
                    }
                }
                count("completed");
            }
            case Ensured.Refused(ErrorCode code, String message) -> refused(code);
        }
    }

    private void guardRelease(Interpreter target) {
        Optional<InterpreterGuard> guard = target.tryGuard();
        if (guard.isEmpty()) {
            refused(target.state() == Interpreter.State.CLOSED ? ErrorCode.INTERPRETER_CLOSED
                    : ErrorCode.INTERPRETER_FINALIZING);
            return;
        }
        try (InterpreterGuard g = guard.get()) {
            try (ThreadState ts = ThreadState.ensure(g)) {
                ts.exec("y = 1");
            }
        }
        count("completed");
    }

    private void refused(ErrorCode code) {
        switch (code) {
            case INTERPRETER_FINALIZING -> count("refusedFinalizing");
            case INTERPRETER_CLOSED -> count("refusedClosed");
            default -> {
                count("unexpected");
                System.err.println("unexpected refusal " + code);
            }
        }
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** Runs per version of each storm ({@code -Dtether.test.stormRuns}; the extended matrix passes it on). */
    static final int STORM_RUNS = Integer.getInteger("tether.test.stormRuns", 12);
    /** Subinterpreter storms per JVM (each run closes only a subinterpreter, so one JVM serves several). */
    private static final int SUB_RUNS_PER_JVM = 5;
    /** Platform threads attaching in each storm (plus {@link #VIRTUAL_THREADS} virtual ones). */
    private static final String STORM_THREADS = "16";

    /** The main-interpreter storm: one JVM per run, since closing the main interpreter finalizes CPython. */
    public static void mainSuite(PythonInstall python) {
        List<Outcome> outcomes = new ArrayList<>();
        for (int run = 0; run < STORM_RUNS; run++) {
            Outcome o = ScenarioRunner.run(python, FinalizationStorm.class, Duration.ofSeconds(90), "main",
                    STORM_THREADS);
            Verdicts.storm(o);
            outcomes.add(o);
        }
        report("main", python, outcomes);
    }

    /** The subinterpreter storm: several runs per JVM. */
    public static void subinterpreterSuite(PythonInstall python) {
        List<Outcome> outcomes = new ArrayList<>();
        for (int done = 0; done < STORM_RUNS; done += SUB_RUNS_PER_JVM) {
            Outcome o = ScenarioRunner.run(python, FinalizationStorm.class, Duration.ofSeconds(120), "sub",
                    Integer.toString(SUB_RUNS_PER_JVM), STORM_THREADS);
            Verdicts.storm(o);
            Verdicts.require(o.count("runs") == SUB_RUNS_PER_JVM, "runs missing", o);
            outcomes.add(o);
        }
        report("subinterpreter", python, outcomes);
    }

    private static void report(String kind, PythonInstall python, List<Outcome> outcomes) {
        Verdicts.report(String.format("storm %-14s CPython %-6s runs=%d jvms=%d attempts=%d completed=%d"
                        + " refusedFinalizing=%d refusedClosed=%d unexpected=%d crashes=0 hangs=0 meanCloseMs=%.1f",
                kind, python, Verdicts.sum(outcomes, "runs"), outcomes.size(), Verdicts.sum(outcomes, "attempts"),
                Verdicts.sum(outcomes, "completed"), Verdicts.sum(outcomes, "refusedFinalizing"),
                Verdicts.sum(outcomes, "refusedClosed"), Verdicts.sum(outcomes, "unexpected"),
                Verdicts.sum(outcomes, "closeMicros") / 1000.0 / Math.max(1, Verdicts.sum(outcomes, "runs"))));
    }
}
