package dev.tether.scenarios;

import dev.tether.Interpreter;
import dev.tether.PythonException;
import dev.tether.PythonRuntime;
import dev.tether.testing.Scenario;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded side of the conformance suite ({@code dev.tether.testing.conformance}): runs CPython's own regression
 * tests through {@code conformance_runner.py}, one lane per Java thread, each lane in the main interpreter or in a
 * new (isolated) subinterpreter; two lanes run at once. The orchestrator reads what the runner writes, enforces
 * per-module timeouts and restarts this JVM when it hangs or dies; this JVM only runs the lanes and then closes
 * Tether's runtime.
 *
 * <p>Arguments: {@code runner.py kind=laneDir...}, kind {@code main} or {@code sub}.
 */
public final class ConformanceWorker extends Scenario {
    /**
     * The lanes' Java threads get the stack a standalone CPython's main thread has ({@code ulimit -s}, 8 MiB here),
     * so that the tests that recurse deeply in C see the same room.
     */
    private static final long LANE_STACK_BYTES = 8L << 20;
    /** How long closing the interpreters may take after the tests (threads they left must end first). */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(20);

    @Override
    protected void run(String[] args) throws Exception {
        String runner = args[0];
        PythonRuntime python = PythonRuntime.start();
        List<Thread> lanes = new ArrayList<>();
        List<Interpreter> subinterpreters = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String[] kindAndDir = args[i].split("=", 2);
            Interpreter interpreter;
            if (kindAndDir[0].equals("main")) {
                interpreter = python.mainInterpreter();
            } else {
                interpreter = python.newInterpreter();
                subinterpreters.add(interpreter);
            }
            String dir = kindAndDir[1];
            lanes.add(Thread.ofPlatform().name("conformance-" + kindAndDir[0]).stackSize(LANE_STACK_BYTES)
                    .start(() -> lane(interpreter, runner, dir)));
        }
        for (Thread lane : lanes) {
            lane.join();
        }
        for (Interpreter sub : subinterpreters) {
            closeCounted(() -> sub.close(CLOSE_TIMEOUT), "subinterpreter " + sub.id());
        }
        closeCounted(() -> python.close(CLOSE_TIMEOUT), "runtime");
        check(counted("lanesFinished") == lanes.size(), "a lane failed");
        check(counted("closeFailed") == 0, "a close failed");
    }

    private void lane(Interpreter interpreter, String runner, String dir) {
        try {
            interpreter.run(ts -> ts.exec("import runpy\nrunpy.run_path(" + pyString(runner)
                    + ", {'LANE_DIR': " + pyString(dir) + "}, '__conformance__')"));
            count("lanesFinished");
        } catch (PythonException e) {
            System.err.println("lane " + dir + " failed: " + e.pythonType() + ": " + e.pythonMessage() + "\n"
                    + e.pythonTraceback());
        } catch (RuntimeException e) {
            System.err.println("lane " + dir + " failed: " + e);
            e.printStackTrace();
        }
    }

    private void closeCounted(Runnable close, String what) {
        try {
            close.run();
            count("closed");
        } catch (RuntimeException e) {
            // Reported, then the exit status says so: the orchestrator records it as a problem of the worker.
            System.err.println("closing the " + what + " failed: " + e);
            count("closeFailed");
        }
    }

    /** A Python string literal for a path (raw strings cannot end in a backslash; paths here never do). */
    private static String pyString(String s) {
        return "r'''" + s + "'''";
    }
}
