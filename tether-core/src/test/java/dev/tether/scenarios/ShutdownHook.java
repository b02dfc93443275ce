package dev.tether.scenarios;

import dev.tether.Interpreter;
import dev.tether.PythonRuntime;
import dev.tether.testing.Scenario;
import java.time.Duration;
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
}
