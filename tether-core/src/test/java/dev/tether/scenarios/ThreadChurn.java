package dev.tether.scenarios;

import dev.tether.Interpreter;
import dev.tether.PythonRuntime;
import dev.tether.TestAccess;
import dev.tether.ThreadState;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.time.Duration;

/**
 * Hundreds of short-lived platform threads each attach to the main interpreter once and end, leaving their idle
 * thread state behind. Those of terminated threads must be reclaimed (deleted by the reaper), so the interpreter's
 * thread-state count stays bounded instead of growing with every thread that ever attached. On 3.12+ debug builds
 * reclaiming is off by design (CPython asserts against it), so there the count is only reported.
 */
public final class ThreadChurn extends Scenario {
    @Override
    protected void run(String[] args) throws Exception {
        int threads = Integer.parseInt(args[0]);
        PythonRuntime python = PythonRuntime.start();
        Interpreter main = python.mainInterpreter();
        int before = TestAccess.threadStates(main);
        for (int i = 0; i < threads; i++) {
            Thread t = Thread.ofPlatform().start(() -> {
                try (ThreadState ts = ThreadState.ensure(main)) {
                    ts.exec("z = 1");
                }
            });
            t.join();
        }
        boolean reclaims = TestAccess.impl(main).facts().canReapDeadThreads();
        long deadline = System.nanoTime() + 10_000_000_000L;
        int after = TestAccess.threadStates(main);
        while (reclaims && after > before + 70 && System.nanoTime() < deadline) {
            Thread.sleep(20);
            after = TestAccess.threadStates(main);
        }
        count("threadStatesBefore", before);
        count("threadStatesAfter", after);
        count("reaped", TestAccess.reaped(main));
        if (reclaims) {
            // At most one prune threshold (64) of terminated threads may still wait for the next prune.
            check(after <= before + 70, "thread states grew from " + before + " to " + after);
            check(TestAccess.reaped(main) >= threads - 70, "reaped only " + TestAccess.reaped(main));
        } else {
            check(after >= before, "count shrank on a build that does not reclaim");
        }
        check(Long.valueOf(1).equals(main.call(ts -> ts.eval("z"))), "the interpreter stopped working");
        python.close();
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** Runs and judges the scenario on {@code python}. */
    public static void suite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, ThreadChurn.class, Duration.ofMinutes(2), "300");
        Verdicts.clean(o);
        Verdicts.report(String.format("thread-churn CPython %-6s threads=300 threadStates=%d->%d reaped=%d", python,
                o.count("threadStatesBefore"), o.count("threadStatesAfter"), o.count("reaped")));
    }
}
