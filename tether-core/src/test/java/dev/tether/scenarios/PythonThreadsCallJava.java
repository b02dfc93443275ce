package dev.tether.scenarios;

import dev.tether.ErrorCode;
import dev.tether.Interpreter;
import dev.tether.PythonCallable;
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
import java.util.List;

/**
 * Threads that Python started call a Java callback which ensures the same interpreter (reusing the Python
 * thread's own thread state) and another interpreter (switching, then switching back); the interpreters are closed
 * while those threads run. Every callback ends as completed or refused with a typed code; no crash, no hang.
 * Argument: Python threads per interpreter.
 */
public final class PythonThreadsCallJava extends Scenario {
    @Override
    protected void run(String[] args) throws Exception {
        int threads = Integer.parseInt(args[0]);
        PythonRuntime python = PythonRuntime.start();
        Interpreter main = python.mainInterpreter();
        Interpreter first = python.newInterpreter();
        Interpreter second = python.newInterpreter();
        for (Interpreter i : List.of(main, first, second)) {
            Interpreter other = i == second ? first : second;
            i.run(ts -> {
                ts.globals().setItem("callback", callback(i, other));
                ts.exec(String.join("\n",
                        "import threading",
                        "stop = False",
                        "def work(n):",
                        "    while not stop:",
                        "        try:",
                        "            callback(n)",
                        "        except RuntimeError:",
                        "            pass",
                        "workers = [threading.Thread(target=work, args=(n,), name='py-%d' % n)",
                        "           for n in range(" + threads + ")]",
                        "for w in workers:",
                        "    w.start()",
                        ""));
            });
        }
        Thread.sleep(400);
        // first: closed with a deadline; its Python threads are interrupted (KeyboardInterrupt ends them).
        first.close(Duration.ofMillis(500));
        check(first.state() == Interpreter.State.CLOSED, "first not closed");
        // second: asked to stop, then closed gracefully (close waits for them).
        second.run(ts -> ts.exec("stop = True"));
        second.close();
        Thread.sleep(200);
        main.run(ts -> ts.exec("stop = True"));
        python.close(Duration.ofSeconds(20));
        check(python.isClosed(), "runtime not closed");
        check(counted("completed") > 0, "no callback completed");
        check(counted("unexpected") == 0, "unexpected outcomes");
    }

    private PythonCallable callback(Interpreter self, Interpreter other) {
        return (args, kwargs) -> {
            count("callbacks");
            try (ThreadState same = ThreadState.ensure(self)) {
                check(ThreadState.isAttached(self), "Python thread not attached to its own interpreter");
                same.exec("n = 1");
                try (ThreadState there = ThreadState.ensure(other)) {
                    there.exec("m = 2");
                } catch (ThreadStateException e) {
                    if (e.code() != ErrorCode.INTERPRETER_FINALIZING && e.code() != ErrorCode.INTERPRETER_CLOSED) {
                        count("unexpected");
                        throw e;
                    }
                    count("switchRefused");
                }
                check(ThreadState.isAttached(self), "not switched back to the own interpreter");
                count("completed");
                return null;
            } catch (PythonException e) {
                // The close of an interpreter past its deadline interrupts its threads wherever they are.
                count(e.isKeyboardInterrupt() ? "interrupted" : "unexpected");
                throw e;
            } catch (AssertionError | RuntimeException e) {
                if (!(e instanceof ThreadStateException)) {
                    count("unexpected");
                    e.printStackTrace();
                }
                throw e;
            }
        };
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** Runs and judges the scenario on {@code python}. */
    public static void suite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, PythonThreadsCallJava.class, Duration.ofMinutes(2), "4");
        Verdicts.clean(o);
        Verdicts.report(String.format("python-threads CPython %-6s callbacks=%d completed=%d switchRefused=%d"
                        + " unexpected=%d", python, o.count("callbacks"), o.count("completed"),
                o.count("switchRefused"), o.count("unexpected")));
    }
}
