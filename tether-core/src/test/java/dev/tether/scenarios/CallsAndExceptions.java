package dev.tether.scenarios;

import dev.tether.Interpreter;
import dev.tether.PyObject;
import dev.tether.PythonCallable;
import dev.tether.PythonException;
import dev.tether.PythonRuntime;
import dev.tether.TestAccess;
import dev.tether.ThreadState;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Calls both ways with positional and keyword arguments; exceptions crossing both ways keep their type, message,
 * traceback line numbers and cause chain; callbacks ensure the same interpreter (reuse) and another (switch and
 * restore); a callback that detaches lets other threads run Python; no error indicator is ever left set.
 */
public final class CallsAndExceptions extends Scenario {
    @Override
    protected void run(String[] args) throws Exception {
        PythonRuntime python = PythonRuntime.start();
        Interpreter main = python.mainInterpreter();
        Interpreter sub = python.newInterpreter();
        sub.run(ts -> ts.exec("where = 'sub'"));
        try (ThreadState ts = ThreadState.ensure(main)) {
            ts.exec("where = 'main'");
            javaCallsPython(ts);
            pythonCallsJava(ts);
            exceptionsFromPython(ts);
            exceptionsFromJava(ts);
            callbacksEnsure(ts, main, sub);
            check(!TestAccess.errorPending(), "a Python error indicator was left set");
        }
        callbackDetaches(main);
        python.close();
    }

    private void javaCallsPython(ThreadState ts) {
        ts.exec("def f(a, b=2, *rest, c=3, **kw):\n    return [a, b, list(rest), c, kw]\n");
        PyObject f = ts.globals().getItem("f");
        check(f.invoke(1L).equals(List.of(1L, 2L, List.of(), 3L, Map.of())), "defaults: " + f.invoke(1L));
        check(f.call(List.of(1, 5, 6, 7), Map.of("c", "x", "z", true)).toJava()
                .equals(List.of(1L, 5L, List.of(6L, 7L), "x", Map.of("z", true))), "args and kwargs");
        check("1-b".equals(ts.toPython("{x}-{y}").callMethod("format", List.of(), Map.of("x", 1, "y", "b"))
                .toJava()), "method with kwargs");
        check(ts.builtins().getAttr("len").invoke(List.of(1, 2, 3)).equals(3L), "builtin");
        PyObject counter = ts.evalObject("type('C', (), {'n': 0, 'inc': lambda self, k=1: setattr(self, 'n', self.n + k)})()");
        counter.callMethod("inc");
        counter.callMethod("inc", List.of(), Map.of("k", 5));
        check(counter.getAttr("n").as(Integer.class) == 6, "attributes");
        check(counter.hasAttr("n") && !counter.hasAttr("missing"), "hasAttr");
        counter.setAttr("tag", "t");
        check("t".equals(counter.getAttr("tag").toJava()), "setAttr");
        PyObject d = ts.evalObject("{}");
        d.setItem("k", List.of(1));
        check(d.len() == 1 && d.getItem("k").toJava().equals(List.of(1L)), "items");
        d.delItem("k");
        check(d.len() == 0, "delItem");
        count("checks", 9);
    }

    private void pythonCallsJava(ThreadState ts) {
        PythonCallable describe = (a, kw) -> "args=" + a + " kwargs=" + new java.util.TreeMap<>(kw);
        ts.globals().setItem("describe", describe);
        check("args=[1, x, null] kwargs={}".equals(ts.eval("describe(1, 'x', None)")), "positional arguments");
        check("args=[] kwargs={k=[1, 2], z=true}".equals(ts.eval("describe(k=[1, 2], z=True)")),
                "keyword arguments: " + ts.eval("describe(k=[1, 2], z=True)"));
        ts.globals().setItem("twice", (Function<Object, Object>) x -> List.of(x, x));
        check(ts.eval("twice('a')").equals(List.of("a", "a")), "Function");
        ts.globals().setItem("plus", (BiFunction<Object, Object, Object>) (x, y) -> (Long) x + (Long) y);
        check(ts.eval("plus(40, 2)").equals(42L), "BiFunction");
        ts.globals().setItem("answer", (Supplier<Object>) () -> Map.of("a", 42));
        check(ts.eval("answer()['a']").equals(42L), "Supplier returning a Map");
        PythonException arity = expect(() -> ts.exec("plus(1)"));
        check(arity.pythonType().equals("java.lang.IllegalArgumentException")
                && arity.pythonMessage().contains("exactly 2"), "arity error: " + arity.getMessage());
        ts.globals().setItem("echo", (PythonCallable) (a, kw) -> a.get(0));
        check(Boolean.TRUE.equals(ts.eval("(lambda o: echo(o) is o)(object())")), "objects pass through unchanged");
        count("checks", 7);
    }

    private void exceptionsFromPython(ThreadState ts) {
        ts.exec(String.join("\n",
                "class AppError(Exception):",
                "    pass",
                "def low():",
                "    return {}['missing']",
                "def high():",
                "    try:",
                "        low()",
                "    except KeyError as e:",
                "        raise AppError('high failed') from e",
                "def implicit():",
                "    try:",
                "        1 / 0",
                "    except ZeroDivisionError:",
                "        raise ValueError('during handling')",
                ""));
        PythonException e = expect(() -> ts.exec("high()"));
        check(e.pythonType().equals("AppError") && e.pythonMessage().equals("high failed"), "type/message " + e);
        check(e.pythonTraceback().contains("line 9, in high") && e.pythonTraceback().contains("line 4, in low"),
                "traceback lines:\n" + e.pythonTraceback());
        check(e.getCause() instanceof PythonException c && c.pythonType().equals("KeyError")
                && c.pythonMessage().equals("'missing'"), "__cause__ as cause: " + e.getCause());
        check(e.exception().orElseThrow().typeName().equals("AppError"), "exception object");
        PythonException implicit = expect(() -> ts.exec("implicit()"));
        check(implicit.getCause() instanceof PythonException c && c.pythonType().equals("ZeroDivisionError"),
                "__context__ as cause: " + implicit.getCause());
        PythonException suppressed = expect(() -> ts.exec(
                "try:\n    1/0\nexcept ZeroDivisionError:\n    raise ValueError('clean') from None\n"));
        check(suppressed.getCause() == null, "suppressed context must not become a cause");
        check(!TestAccess.errorPending(), "error indicator left set");
        count("checks", 7);
    }

    private void exceptionsFromJava(ThreadState ts) {
        IllegalStateException original = new IllegalStateException("java state broken");
        ts.globals().setItem("fail", (Supplier<Object>) () -> {
            throw original;
        });
        String caught = catchInPython(ts);
        check("RuntimeError java.lang.IllegalStateException: java state broken".equals(caught),
                "Python sees the Java type as a RuntimeError: " + caught);
        PythonException back = expect(() -> ts.exec("fail()"));
        check(back.pythonType().equals("java.lang.IllegalStateException"), "type kept: " + back.pythonType());
        check(back.pythonMessage().equals("java state broken"), "message kept");
        check(back.getCause() == original, "the original Java exception is the cause");
        // Through Python and Java twice: Python -> Java callable -> Python function that raises.
        ts.exec("class Marker(Exception):\n    pass\ndef raiser():\n    raise Marker('from python')\n");
        PyObject raiser = ts.globals().getItem("raiser");
        ts.globals().setItem("relay", (Supplier<Object>) raiser::call);
        ts.exec("def relayed():\n    try:\n        relay()\n    except Marker as e:\n        return str(e)\n");
        check("from python".equals(ts.eval("relayed()")), "a Python exception relayed by Java is the same object");
        count("checks", 5);
    }

    private static String catchInPython(ThreadState ts) {
        ts.exec("def catch():\n    try:\n        fail()\n    except RuntimeError as e:\n"
                + "        return 'RuntimeError ' + type(e).__module__ + '.' + type(e).__name__ + ': ' + str(e)\n");
        return (String) ts.eval("catch()");
    }

    private void callbacksEnsure(ThreadState ts, Interpreter main, Interpreter sub) {
        int before = TestAccess.threadStates(main);
        ts.globals().setItem("reenter", (Supplier<Object>) () -> {
            try (ThreadState same = ThreadState.ensure(main)) {
                check(ThreadState.isAttached(main), "not attached to main inside the callback");
                String here = (String) same.eval("where");
                try (ThreadState other = ThreadState.ensure(sub)) {
                    String there = (String) other.eval("where");
                    check(ThreadState.isAttached(sub), "switch to sub failed");
                    return here + "/" + there;
                } finally {
                    check(ThreadState.isAttached(main), "release did not switch back to main");
                }
            }
        });
        check("main/sub".equals(ts.eval("reenter()")), "reuse and switch inside a callback");
        check(TestAccess.threadStates(main) == before, "the callback created a thread state in main");
        check("main".equals(ts.eval("where")), "main is attached again after the callback");
        count("checks", 3);
    }

    private void callbackDetaches(Interpreter main) throws Exception {
        AtomicLong progress = new AtomicLong();
        CountDownLatch detached = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        main.run(ts -> ts.globals().setItem("block", (Runnable) () ->
                ThreadState.current().orElseThrow().detached(() -> {
                    detached.countDown();
                    try {
                        proceed.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                })));
        Thread blocker = Thread.ofPlatform().start(() -> main.run(ts -> ts.exec("block()")));
        detached.await();
        // While the callback blocks detached, another thread runs Python in the same interpreter.
        Thread other = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 100; i++) {
                main.run(ts -> ts.exec("x = sum(range(100))"));
                progress.incrementAndGet();
            }
        });
        other.join(20_000);
        check(progress.get() == 100, "other thread was blocked: " + progress.get());
        proceed.countDown();
        blocker.join(20_000);
        check(!blocker.isAlive(), "blocker did not finish");
        count("checks", 2);
    }

    private static PythonException expect(Runnable action) {
        return expectThrown(PythonException.class, action);
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** Checks made above, each counted as "checks". */
    static final int CHECKS = 33;

    /** Runs and judges the scenario on {@code python}. */
    public static void suite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, CallsAndExceptions.class, Duration.ofMinutes(1));
        Verdicts.clean(o);
        Verdicts.require(o.count("checks") == CHECKS, "expected " + CHECKS + " checks", o);
    }
}
