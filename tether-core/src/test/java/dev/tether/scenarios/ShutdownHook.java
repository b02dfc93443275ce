package dev.tether.scenarios;

import dev.tether.Interpreter;
import dev.tether.PythonRuntime;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The program ends without closing its runtime while a thread still runs Python ({@code loop}: an endless loop,
 * which the hook interrupts; {@code sleep}: a long blocking call, which it cannot). The JVM shutdown hook closes the
 * runtime within its deadline or gives up; either way the JVM exits promptly, with the program's status.
 */
public final class ShutdownHook extends Scenario {
    @Override
    protected boolean exitRunsShutdownHooks() {
        return true;
    }

    @Override
    protected void run(String[] args) throws Exception {
        PythonRuntime python = PythonRuntime.builder().shutdownTimeout(Duration.ofMillis(500)).start();
        Interpreter main = python.mainInterpreter();
        Interpreter sub = python.newInterpreter();
        String code = args[0].equals("loop") ? "while True:\n    pass\n" : "import time\ntime.sleep(600)\n";
        CountDownLatch running = new CountDownLatch(2);
        for (Interpreter i : new Interpreter[] {main, sub}) {
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    i.run(ts -> {
                        running.countDown();
                        ts.exec(code);
                    });
                } catch (RuntimeException e) {
                    System.out.println("worker ended: " + e.getMessage());
                }
            });
        }
        running.await();
        Thread.sleep(100);
        System.out.println("main returns; the shutdown hook closes the runtime");
        count("checks");
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** The JVM exits promptly through the shutdown hook, whether it can close the runtime in time or not. */
    public static void suite(PythonInstall python) {
        for (String mode : List.of("loop", "sleep")) {
            long begin = System.nanoTime();
            Outcome o = ScenarioRunner.run(python, ShutdownHook.class, Duration.ofSeconds(60), mode);
            long millis = (System.nanoTime() - begin) / 1_000_000;
            Verdicts.clean(o);
            Verdicts.require(o.count("checks") == 1, "scenario incomplete", o);
            boolean gaveUp = o.output().contains("was not closed at JVM exit");
            Verdicts.require(mode.equals("loop") ? !gaveUp && o.output().contains("KeyboardInterrupt") : gaveUp,
                    mode + ": the hook should " + (mode.equals("loop") ? "close the runtime" : "give up"), o);
            Verdicts.report(String.format("shutdown-hook CPython %-6s %s: JVM exited in %d ms (deadline 500 ms)%s",
                    python, mode, millis, gaveUp ? ", hook gave up (blocking call)" : ", runtime closed"));
        }
    }
}
