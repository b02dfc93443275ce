package dev.tether.scenarios;

import dev.tether.ErrorCode;
import dev.tether.Interpreter;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Python code that tries to take the JVM down or never stops: SystemExit, a syntax error, an exception with a
 * traceback, an endless loop, a blocking call and Python-started threads, the last ones closed with a deadline. The
 * JVM survives and each yields the documented exception.
 */
public final class HostilePython extends Scenario {
    @Override
    protected void run(String[] args) throws Exception {
        PythonRuntime python = PythonRuntime.start();
        Interpreter main = python.mainInterpreter();
        try (ThreadState ts = ThreadState.ensure(main)) {
            PythonException exit = expectPython(() -> ts.exec("raise SystemExit(3)"));
            check(exit.isSystemExit() && exit.exitCode().orElse(-1) == 3, "SystemExit(3): " + exit);
            PythonException exitMessage = expectPython(() -> ts.exec("import sys\nsys.exit('bye')"));
            check(exitMessage.isSystemExit() && exitMessage.exitCode().orElse(-1) == 1
                    && exitMessage.pythonMessage().equals("bye"), "sys.exit('bye'): " + exitMessage);

            PythonException syntax = expectPython(() -> ts.exec("x = 1\ndef broken(:\n    pass\n"));
            check(syntax.pythonType().equals("SyntaxError"), "syntax error type " + syntax.pythonType());
            check(syntax.pythonTraceback().contains("line 2"), "syntax error lacks its line:\n"
                    + syntax.pythonTraceback());

            PythonException raised = expectPython(() -> ts.exec(
                    "class Boom(Exception):\n    pass\n"
                    + "def inner():\n    raise Boom('deep')\n"
                    + "def outer():\n    inner()\n"
                    + "outer()\n"));
            check(raised.pythonType().equals("Boom") && raised.pythonMessage().equals("deep"), "Boom: " + raised);
            check(raised.pythonTraceback().contains("line 4, in inner")
                    && raised.pythonTraceback().contains("line 6, in outer"), raised.pythonTraceback());
            check(raised.getMessage().equals("Boom: deep"), "message " + raised.getMessage());

            PythonException keyboard = expectPython(() -> ts.exec("raise KeyboardInterrupt"));
            check(keyboard.isKeyboardInterrupt(), "KeyboardInterrupt: " + keyboard);
            PythonException json = expectPython(() -> ts.exec("import json\njson.loads('{')"));
            check(json.pythonType().equals("json.decoder.JSONDecodeError"), "qualified type " + json.pythonType());
            check(Long.valueOf(2).equals(ts.eval("1 + 1")), "the interpreter stopped working");
        }

        endlessLoopClosedWithDeadline(python.newInterpreter());
        blockingCallOutlivesTheDeadline(python.newInterpreter());
        pythonThreadsAreWaitedForAndInterrupted(python.newInterpreter());

        // Finally the runtime itself, closed under an endless loop in the main interpreter.
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch looping = new CountDownLatch(1);
        Thread spinner = Thread.ofPlatform().name("main-spinner").start(() -> {
            try {
                main.run(ts -> {
                    looping.countDown();
                    ts.exec("while True:\n    pass\n");
                });
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        looping.await();
        Thread.sleep(100);
        python.close(Duration.ofMillis(300));
        spinner.join(10_000);
        check(failure.get() instanceof PythonException p && p.isKeyboardInterrupt(),
                "the main-interpreter loop ended with " + failure.get());
        check(python.isClosed(), "runtime not closed");
        count("checks");
    }

    private void endlessLoopClosedWithDeadline(Interpreter sub) throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch looping = new CountDownLatch(1);
        Thread spinner = Thread.ofPlatform().name("sub-spinner").start(() -> {
            try {
                sub.run(ts -> {
                    looping.countDown();
                    ts.exec("n = 0\nwhile True:\n    n += 1\n");
                });
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        looping.await();
        Thread.sleep(100);
        long begin = System.nanoTime();
        sub.close(Duration.ofMillis(300));
        count("loopCloseMillis", (System.nanoTime() - begin) / 1_000_000);
        spinner.join(10_000);
        check(failure.get() instanceof PythonException p && p.isKeyboardInterrupt(),
                "the loop ended with " + failure.get());
        check(sub.state() == Interpreter.State.CLOSED, "state " + sub.state());
        count("checks");
    }

    private void blockingCallOutlivesTheDeadline(Interpreter sub) throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch sleeping = new CountDownLatch(1);
        Thread sleeper = Thread.ofPlatform().name("sub-sleeper").start(() -> {
            try {
                sub.run(ts -> {
                    sleeping.countDown();
                    ts.exec("import time\ntime.sleep(2.5)\n");
                });
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        sleeping.await();
        Thread.sleep(100);
        try {
            sub.close(Duration.ofMillis(200));
            throw new AssertionError("close returned while a thread sleeps in the interpreter");
        } catch (ThreadStateException e) {
            check(e.code() == ErrorCode.CLOSE_TIMED_OUT, "code " + e.code());
            check(e.getMessage().contains("sub-sleeper"), "the report does not name the thread: " + e.getMessage());
            System.out.println("ok timed out: " + e.getMessage());
        }
        check(sub.state() == Interpreter.State.CLOSING, "after a timed-out close: " + sub.state());
        expectRefused(sub, ErrorCode.INTERPRETER_FINALIZING);
        sub.close(); // waits for the sleeper, who meets the pending KeyboardInterrupt when time.sleep returns
        sleeper.join(10_000);
        check(failure.get() instanceof PythonException p && p.isKeyboardInterrupt(),
                "the sleeper ended with " + failure.get());
        check(sub.state() == Interpreter.State.CLOSED, "state " + sub.state());
        count("checks");
    }

    private void pythonThreadsAreWaitedForAndInterrupted(Interpreter sub) throws Exception {
        sub.run(ts -> ts.exec(String.join("\n",
                "import threading, time",
                "done = []",
                "def short():",
                "    time.sleep(0.3)",
                "    done.append('short')",
                "def spin():",
                "    while True:",
                "        time.sleep(0.01)",
                "threading.Thread(target=short, name='py-short').start()",
                "threading.Thread(target=spin, name='py-spinner').start()",
                "")));
        long begin = System.nanoTime();
        sub.close(Duration.ofMillis(800));
        long millis = (System.nanoTime() - begin) / 1_000_000;
        count("pythonThreadCloseMillis", millis);
        check(millis >= 700, "close did not wait for the Python threads: " + millis + " ms");
        check(sub.state() == Interpreter.State.CLOSED, "state " + sub.state());
        count("checks");
    }

    private static void expectRefused(Interpreter interpreter, ErrorCode code) {
        try {
            ThreadState.ensure(interpreter).close();
            throw new AssertionError("attached to a closing interpreter");
        } catch (ThreadStateException e) {
            check(e.code() == code, "refused with " + e.code());
        }
    }

    private PythonException expectPython(Runnable action) {
        PythonException e = expectThrown(PythonException.class, action);
        count("checks");
        System.out.println("ok " + e.getMessage());
        return e;
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** Hostile programs run above, each counting "checks" once it was judged. */
    static final int CHECKS = 10;

    /** Runs and judges the scenario on {@code python}. */
    public static void suite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, HostilePython.class, Duration.ofMinutes(1));
        Verdicts.clean(o);
        Verdicts.require(o.count("checks") == CHECKS, "expected " + CHECKS + " checks", o);
    }
}
