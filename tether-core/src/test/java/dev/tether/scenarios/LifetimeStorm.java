package dev.tether.scenarios;

import dev.tether.ErrorCode;
import dev.tether.Interpreter;
import dev.tether.PyObject;
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
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Threads create, call, share, close and drop objects of a subinterpreter (from unattached threads, so every
 * operation attaches by itself) while the subinterpreter is closed under them. Every late use must be a typed
 * refusal (INTERPRETER_FINALIZING, INTERPRETER_CLOSED, or ALREADY_RELEASED for an object another thread closed);
 * nothing crashes. Arguments: runs, threads.
 */
public final class LifetimeStorm extends Scenario {
    private static final int SHARED = 64;

    @Override
    protected void run(String[] args) throws Exception {
        int runs = Integer.parseInt(args[0]);
        int threads = Integer.parseInt(args[1]);
        PythonRuntime python = PythonRuntime.start();
        for (int run = 0; run < runs; run++) {
            Interpreter sub = python.newInterpreter();
            AtomicReferenceArray<PyObject> shared = new AtomicReferenceArray<>(SHARED);
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> workers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                boolean virtual = i % 4 == 3;
                Runnable loop = () -> loop(sub, shared, stop);
                workers.add(virtual ? Thread.ofVirtual().start(loop) : Thread.ofPlatform().start(loop));
            }
            Thread.sleep(ThreadLocalRandom.current().nextInt(50, 300));
            sub.close(Duration.ofSeconds(20));
            Thread.sleep(20);
            stop.set(true);
            for (Thread t : workers) {
                t.join(30_000);
                check(!t.isAlive(), "a worker did not end");
            }
            // Objects of the closed interpreter: every use refused, close a no-op.
            for (int i = 0; i < SHARED; i++) {
                PyObject o = shared.get(i);
                if (o != null) {
                    count("attempts");
                    try {
                        o.len();
                        count("unexpected");
                    } catch (ThreadStateException e) {
                        outcome(e.code());
                    }
                    o.close();
                    o.close();
                }
            }
            count("runs");
        }
        python.close();
        check(counted("unexpected") == 0, "unexpected outcomes: " + counted("unexpected"));
    }

    private void loop(Interpreter sub, AtomicReferenceArray<PyObject> shared, AtomicBoolean stop) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        PyObject mine = null;
        while (!stop.get()) {
            count("attempts");
            try {
                switch (random.nextInt(6)) {
                    case 0 -> mine = sub.call(ts -> ts.evalObject("[1, 2, 3]"));
                    case 1 -> {
                        if (mine != null) {
                            mine.callMethod("append", random.nextInt());
                            check(mine.len() >= 4, "append lost");
                        }
                    }
                    case 2 -> {
                        if (mine != null) {
                            PyObject previous = shared.getAndSet(random.nextInt(SHARED), mine);
                            mine = null;
                            if (previous != null && random.nextBoolean()) {
                                previous.close();
                            }
                        }
                    }
                    case 3 -> {
                        PyObject o = shared.get(random.nextInt(SHARED));
                        if (o != null) {
                            o.getItem(0);
                            o.repr();
                        }
                    }
                    case 4 -> {
                        PyObject o = shared.get(random.nextInt(SHARED));
                        if (o != null) {
                            o.close(); // another thread may be using it: the reference is dropped after that use
                        }
                    }
                    default -> mine = null; // dropped without close: reclaimed by the Cleaner
                }
                count("completed");
            } catch (ThreadStateException e) {
                outcome(e.code());
            } catch (PythonException e) {
                count("unexpected");
                System.err.println("unexpected " + e);
            } catch (RuntimeException | Error e) {
                count("unexpected");
                e.printStackTrace();
            }
        }
    }

    private void outcome(ErrorCode code) {
        switch (code) {
            case INTERPRETER_FINALIZING -> count("refusedFinalizing");
            case INTERPRETER_CLOSED -> count("refusedClosed");
            case ALREADY_RELEASED -> count("alreadyReleased");
            default -> {
                count("unexpected");
                System.err.println("unexpected code " + code);
            }
        }
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** Runs and judges the scenario on {@code python}. */
    public static void suite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, LifetimeStorm.class, Duration.ofMinutes(3), "5", "8");
        Verdicts.clean(o);
        Verdicts.require(o.count("runs") == 5, "runs missing", o);
        Verdicts.require(o.count("unexpected") == 0, "unexpected outcomes", o);
        Verdicts.require(o.count("attempts") == o.count("completed") + o.count("refusedFinalizing")
                + o.count("refusedClosed") + o.count("alreadyReleased"), "an attempt was lost", o);
        Verdicts.report(String.format("lifetime-storm CPython %-6s runs=%d attempts=%d completed=%d"
                        + " refusedFinalizing=%d refusedClosed=%d alreadyReleased=%d unexpected=0", python,
                o.count("runs"), o.count("attempts"), o.count("completed"), o.count("refusedFinalizing"),
                o.count("refusedClosed"), o.count("alreadyReleased")));
    }
}
