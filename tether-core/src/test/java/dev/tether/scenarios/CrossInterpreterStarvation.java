package dev.tether.scenarios;

import dev.tether.Interpreter;
import dev.tether.PythonException;
import dev.tether.PythonRuntime;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A thread spins in pure Python in one interpreter while other threads attach to another interpreter and run short
 * work. On CPython 3.9-3.11 the interpreters share one GIL and CPython never asks the spinning thread to drop it for
 * a waiter of another interpreter; Tether must still get the waiters through (its GIL kicker). Both directions,
 * main to subinterpreter and back; each attach must complete in seconds, not never.
 */
public final class CrossInterpreterStarvation extends Scenario {
    @Override
    protected void run(String[] args) throws Exception {
        PythonRuntime python = PythonRuntime.start();
        Interpreter main = python.mainInterpreter();
        Interpreter sub = python.newInterpreter();
        starve(main, sub);
        starve(sub, main);
        python.close(Duration.ofSeconds(5));
    }

    private void starve(Interpreter spinning, Interpreter waiting) throws Exception {
        CountDownLatch spinningNow = new CountDownLatch(1);
        Thread spinner = Thread.ofPlatform().start(() -> {
            try {
                spinning.run(ts -> {
                    ts.exec("import builtins\nbuiltins.stop_spinning = False");
                    spinningNow.countDown();
                    ts.exec("import builtins\nwhile not builtins.stop_spinning:\n    pass\n");
                });
            } catch (PythonException e) {
                System.out.println("spinner ended: " + e.getMessage());
            }
        });
        spinningNow.await();
        Thread.sleep(50);
        for (int i = 0; i < ATTACHES / 2; i++) { // two directions
            long begin = System.nanoTime();
            Thread attacher = Thread.ofPlatform().start(() -> waiting.run(ts -> ts.exec("x = sum(range(100))")));
            attacher.join(TimeUnit.SECONDS.toMillis(20));
            if (attacher.isAlive()) {
                Thread.getAllStackTraces().forEach((t, stack) -> System.out.println(t + " " + t.getState() + "\n  "
                        + String.join("\n  ", java.util.Arrays.stream(stack).limit(8).map(String::valueOf).toList())));
            }
            check(!attacher.isAlive(), "an attach to " + waiting + " starved while " + spinning + " spins");
            count("attachMillisTotal", (System.nanoTime() - begin) / 1_000_000);
            count("attaches");
        }
        // Stop the spinner through its own interpreter (a pure-Python flag), waiting like everyone else.
        Thread stopper = Thread.ofPlatform().start(() -> spinning.run(ts ->
                ts.exec("import builtins\nbuiltins.stop_spinning = True")));
        stopper.join(20_000);
        spinner.join(20_000);
        check(!spinner.isAlive() && !stopper.isAlive(), "the spinner could not be stopped");
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** Attaches measured while a thread spins in the other interpreter: half in each direction. */
    static final int ATTACHES = 40;

    /** Runs and judges the scenario on {@code python}. */
    public static void suite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, CrossInterpreterStarvation.class, Duration.ofMinutes(2));
        Verdicts.clean(o);
        Verdicts.require(o.count("attaches") == ATTACHES, "attaches missing", o);
        Verdicts.report(String.format("starvation CPython %-6s attaches=%d meanAttachMs=%.1f (a thread spinning in"
                + " the other interpreter)", python, ATTACHES, o.count("attachMillisTotal") / (double) ATTACHES));
    }
}
