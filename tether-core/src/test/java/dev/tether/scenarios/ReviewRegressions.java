package dev.tether.scenarios;

import dev.tether.ErrorCode;
import dev.tether.Interpreter;
import dev.tether.PyBuffer;
import dev.tether.PyObject;
import dev.tether.PythonCallable;
import dev.tether.PythonException;
import dev.tether.PythonRuntime;
import dev.tether.TestAccess;
import dev.tether.ThreadState;
import dev.tether.ThreadStateException;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One regression check per bug a review of the code found (issue 7, section 6), each of which used to throw a raw
 * Java exception, lose an interrupt, leave an exporter locked or crash:
 * <ul>
 *   <li>a dict key that is a tuple containing {@code None};</li>
 *   <li>{@code sys.exit()} with an int beyond 32 bits;</li>
 *   <li>exceptions whose causes form a cycle;</li>
 *   <li>a buffer closed from a thread attached to another interpreter;</li>
 *   <li>idle thread states of terminated threads pruned by several threads at once;</li>
 *   <li>closing again after the end of an interpreter timed out (its atexit handler blocks);</li>
 *   <li>{@code equals}/{@code hashCode} when Python's {@code __eq__}/{@code __hash__} is interrupted;</li>
 *   <li>diagnostics through {@code System.Logger};</li>
 *   <li>{@code _thread.interrupt_main()} in a subinterpreter (3.11.2 crashed);</li>
 *   <li>(mode {@code broken-support}) a start whose set-up of Tether's helpers fails.</li>
 * </ul>
 */
public final class ReviewRegressions extends Scenario {
    /** How long the blocking atexit handler sleeps: past the end's bound for a close with no time at all. */
    static final int ATEXIT_SLEEP_SECONDS = 12;

    @Override
    protected void run(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("broken-support")) {
            brokenSupport();
            return;
        }
        if (args.length > 0 && args[0].equals("end-timeout")) {
            PythonRuntime python = PythonRuntime.start();
            closeAgainAfterEndTimedOut(python);
            python.close(Duration.ofSeconds(30));
            return;
        }
        PythonRuntime python = PythonRuntime.start();
        Interpreter main = python.mainInterpreter();
        Interpreter sub = python.newInterpreter();
        try (ThreadState ts = ThreadState.ensure(main)) {
            tupleKeysWithNone(ts);
            largeExitCodes(ts);
            causeCycle(ts);
            interruptedEquality(ts);
            leakedAttachmentLogged(ts);
        }
        bufferClosedFromAnotherInterpreter(main, sub);
        interruptMainFromSubinterpreter(sub);
        concurrentPruning(main);
        python.close(Duration.ofSeconds(30));
    }

    private void tupleKeysWithNone(ThreadState ts) {
        Map<?, ?> map = (Map<?, ?>) ts.eval("{(None, 1): 'x', (1, (2, None)): 'y'}");
        check("x".equals(map.get(Arrays.asList(null, 1L))), "tuple key with None: " + map);
        check("y".equals(map.get(List.of(1L, Arrays.asList(2L, null)))), "nested tuple key with None: " + map);
        count("checks");
    }

    private void largeExitCodes(ThreadState ts) {
        // What a standalone CPython exits with: (int) PyLong_AsLongLong(code), and -1 beyond 64 bits.
        Map<String, Integer> expected = Map.of("2**40", 0, "2**70", -1, "3", 3, "'message'", 1, "None", 0);
        expected.forEach((code, status) -> {
            PythonException e = expectPython(() -> ts.exec("import sys\nsys.exit(" + code + ")"));
            check(e.isSystemExit() && e.exitCode().getAsInt() == status,
                    "sys.exit(" + code + ") gave " + e.exitCode() + ", expected " + status);
        });
        count("checks");
    }

    private void causeCycle(ThreadState ts) {
        PythonException e = expectPython(() -> ts.exec("""
                a = ValueError('a')
                b = KeyError('b')
                a.__cause__ = b
                b.__cause__ = a
                raise a
                """));
        int chain = 0;
        for (Throwable t = e; t != null; t = t.getCause()) {
            chain++;
        }
        check(chain == 2, "a two-exception cause cycle gave a chain of " + chain);
        count("checks");
    }

    private void interruptedEquality(ThreadState ts) {
        ts.exec("""
                class Interrupting:
                    def __eq__(self, other):
                        raise KeyboardInterrupt('eq')
                    def __hash__(self):
                        return 1
                class Failing:
                    def __eq__(self, other):
                        raise ValueError('eq')
                    def __hash__(self):
                        return 1
                class Unhashable:
                    def __hash__(self):
                        raise KeyboardInterrupt('hash')
                """);
        PyObject i1 = ts.evalObject("Interrupting()");
        PyObject i2 = ts.evalObject("Interrupting()");
        PythonException eq = expectPython(() -> i1.equals(i2));
        check(eq.isKeyboardInterrupt(), "an interrupted __eq__ was swallowed: " + eq);
        check(!ts.evalObject("Failing()").equals(ts.evalObject("Failing()")), "a failing __eq__ is not equal");
        check(!TestAccess.errorPending(), "equals left an error set");
        PythonException hash = expectPython(() -> ts.evalObject("Unhashable()").hashCode());
        check(hash.isKeyboardInterrupt(), "an interrupted __hash__ was swallowed: " + hash);
        count("checks");
    }

    private void leakedAttachmentLogged(ThreadState ts) {
        Interpreter main = ts.interpreter();
        ts.globals().setItem("leaky", (PythonCallable) (a, kw) -> {
            ThreadState.ensure(main); // deliberately never released
            return null;
        });
        ts.exec("leaky()");
        check(ThreadState.current().orElseThrow() == ts, "the leaked attachment was not released");
        count("checks"); // the suite checks the log line
    }

    private void bufferClosedFromAnotherInterpreter(Interpreter main, Interpreter sub) throws Exception {
        PyObject array = main.call(ts -> ts.evalObject("bytearray(b'abc')"));
        PyBuffer buffer = array.buffer();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread other = Thread.ofPlatform().start(() -> {
            try {
                sub.run(ts -> buffer.close());
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        other.join();
        check(failure.get() == null, "closing a buffer from another interpreter failed: " + failure.get());
        main.run(ts -> {
            array.callMethod("extend", (Object) new byte[] {'d'});
            check(array.len() == 4, "the bytearray could not be resized after its buffer closed");
        });
        count("checks");
    }

    /**
     * {@code _thread.interrupt_main()} in a subinterpreter: a simulated SIGINT for Python's main thread, which under
     * Tether runs no Python code, so nothing is interrupted. Before Tether imported {@code _signal} in the main
     * interpreter, 3.11.2 crashed here (F-INTERRUPT-MAIN-SIGNAL).
     */
    private void interruptMainFromSubinterpreter(Interpreter sub) {
        sub.run(ts -> ts.exec("import _thread\n_thread.interrupt_main()\nimport time\ntime.sleep(0.05)"));
        check(sub.call(ts -> (Long) ts.eval("1 + 1")) == 2L, "the subinterpreter broke after interrupt_main()");
        count("checks");
    }

    private void concurrentPruning(Interpreter main) throws Exception {
        List<Thread> spawners = new ArrayList<>();
        for (int s = 0; s < 8; s++) {
            spawners.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 40; i++) {
                    Thread t = Thread.ofPlatform().start(() -> main.run(ts -> ts.exec("pass")));
                    try {
                        t.join();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }));
        }
        for (Thread t : spawners) {
            t.join();
        }
        check(main.call(ts -> (Long) ts.eval("1")) == 1L, "the main interpreter broke while threads were pruned");
        count("prunedThreads", TestAccess.reaped(main));
        count("checks");
    }

    private void closeAgainAfterEndTimedOut(PythonRuntime python) {
        Interpreter blocked = python.newInterpreter();
        blocked.run(ts -> ts.exec("import atexit, time\natexit.register(time.sleep, " + ATEXIT_SLEEP_SECONDS + ")"));
        try {
            blocked.close(Duration.ZERO);
            throw new AssertionError("the close should time out while atexit sleeps");
        } catch (ThreadStateException e) {
            check(e.code() == ErrorCode.CLOSE_TIMED_OUT, "first close: " + e);
        }
        check(blocked.state() == Interpreter.State.CLOSING, "after a timed-out end: " + blocked.state());
        blocked.close(Duration.ofSeconds(30));
        check(blocked.state() == Interpreter.State.CLOSED, "the second close did not finish the end");
        count("checks");
    }

    /**
     * Tether's helpers cannot be set up (the suite puts a broken {@code threading} module on PYTHONPATH): the start
     * fails cleanly, leaves no thread behind, and a second start is refused as a restart.
     */
    private void brokenSupport() throws Exception {
        try {
            PythonRuntime.builder().inheritEnvironment(true).start();
            throw new AssertionError("start succeeded with a broken threading module");
        } catch (ThreadStateException e) {
            check(e.code() == ErrorCode.PYTHON_UNUSABLE && e.getMessage().contains("broken on purpose"),
                    "start failed with " + e);
        }
        Thread.sleep(200);
        boolean leaked = Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("tether-python-main") && t.isAlive());
        check(!leaked, "CPython's main thread was left running");
        try {
            PythonRuntime.start();
            throw new AssertionError("a second start succeeded");
        } catch (ThreadStateException e) {
            check(e.code() == ErrorCode.RUNTIME_ALREADY_STARTED, "second start: " + e);
        }
        count("checks");
    }

    private static PythonException expectPython(Runnable action) {
        return expectThrown(PythonException.class, action);
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** The checks of the main run, one per bug above but the broken support and the end that times out. */
    static final int CHECKS = 8;

    /**
     * Runs and judges the scenario on {@code python}: three JVMs, the end that times out (it waits out a 12 s atexit
     * handler) beside the other two.
     */
    public static void suite(PythonInstall python) {
        java.util.concurrent.CompletableFuture<Outcome> endTimeout = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> ScenarioRunner.run(python, ReviewRegressions.class, Duration.ofMinutes(2), "end-timeout"),
                command -> Thread.ofPlatform().name("end-timeout-run").start(command));
        Outcome o = ScenarioRunner.run(python, ReviewRegressions.class, Duration.ofMinutes(2));
        Verdicts.clean(o);
        Verdicts.require(o.count("checks") == CHECKS, "expected " + CHECKS + " checks", o);
        Verdicts.require(o.output().contains("thread state(s) it ensured still open"),
                "the leaked attachment was not logged", o);
        Path broken;
        try {
            broken = Files.createTempDirectory("tether-broken-");
            Files.writeString(broken.resolve("threading.py"), "raise ImportError('broken on purpose')\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Outcome start = ScenarioRunner.run(python, ReviewRegressions.class, Duration.ofMinutes(1),
                Map.of("PYTHONPATH", broken.toString()), List.of(), "broken-support");
        Verdicts.clean(start);
        Verdicts.require(start.count("checks") == 1, "broken-support checks missing", start);
        Outcome end = endTimeout.join();
        Verdicts.clean(end);
        Verdicts.require(end.count("checks") == 1, "end-timeout checks missing", end);
        Verdicts.report(String.format("review-regressions CPython %-6s checks=%d prunedThreads=%d brokenStart=ok",
                python, o.count("checks") + end.count("checks"), o.count("prunedThreads")));
    }
}
