package dev.tether.scenarios;

import dev.tether.Interpreter;
import dev.tether.PythonException;
import dev.tether.PythonRuntime;
import dev.tether.ThreadState;
import dev.tether.testing.Fixtures;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code runScript}/{@code runModule}: a script with arguments sees {@code sys.argv}, {@code __file__} and its
 * folder on {@code sys.path}, and all three are as before afterwards; {@code SystemExit(3)} returns 3, a message
 * returns 1 (printed to stderr), an exception throws {@code PythonException}; a script that closes or replaces
 * {@code sys.stdout} leaves it working; {@code json.tool} followed by a normal print; a package's {@code __main__};
 * in the main interpreter and a subinterpreter alike. Argument: the folder of the scripts.
 */
public final class RunningPrograms extends Scenario {
    /** Checks of {@link #programs}, per interpreter. */
    static final int CHECKS = 10;

    @Override
    protected void run(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PythonRuntime python = PythonRuntime.builder().stdout(out).stderr(err).pythonPath(java.util.List.of(dir))
                .start();
        for (Interpreter i : java.util.List.of(python.mainInterpreter(), python.newInterpreter())) {
            i.run(ts -> programs(ts, dir));
        }
        python.close();
        String text = out.toString(StandardCharsets.UTF_8);
        check(text.contains("argv ['" + dir.resolve("args.py") + "', 'one', 'two words']"), "script argv: " + text);
        check(text.contains("\"k\": [\n"), "json.tool output: " + text);
        check(text.contains("after json.tool\n") && text.contains("after replacing\n"), "prints after: " + text);
        check(err.toString(StandardCharsets.UTF_8).contains("bye for now"), "a SystemExit message on stderr");
        count("checks");
    }

    private void programs(ThreadState ts, Path dir) {
        ts.exec("import sys; argv_before = list(sys.argv); path_before = list(sys.path)");
        expect(0, ts.runScript(dir.resolve("args.py"), "one", "two words"), "a script's status");
        py(ts, "sys.argv == argv_before and sys.path == path_before", "sys.argv and sys.path restored");
        expect(3, ts.runScript(dir.resolve("exit3.py")), "SystemExit(3)");
        expect(1, ts.runScript(dir.resolve("exitmsg.py")), "SystemExit('bye for now')");
        try {
            ts.runScript(dir.resolve("fails.py"));
            throw new AssertionError("the exception did not reach Java");
        } catch (PythonException e) {
            check(e.pythonType().equals("ValueError") && e.pythonTraceback().contains("fails.py"), e.toString());
            count("checks");
        }
        expect(0, ts.runScript(dir.resolve("closes.py")), "a script closing and replacing sys.stdout");
        ts.exec("print('after replacing')");
        py(ts, "not sys.stdout.closed", "sys.stdout open after a script closed it");
        java.nio.file.Path json = dir.resolve("data.json");
        expect(0, ts.runModule("json.tool", json.toString()), "json.tool");
        ts.exec("print('after json.tool')");
        expect(5, ts.runModule("tether_run_pkg", "x"), "a package's __main__");
        check("__main__".equals(ts.eval("__name__")), "the interpreter's __main__ left alone");
        count("checks");
    }

    private void expect(int status, int got, String what) {
        check(status == got, what + ": status " + got + ", expected " + status);
        count("checks");
    }

    private void py(ThreadState ts, String expression, String what) {
        check(Boolean.TRUE.equals(ts.eval(expression)), what + ": " + expression);
        count("checks");
    }

    /** Runs and judges the scenario. */
    public static void suite(PythonInstall python) {
        Path dir = Fixtures.folder("tether-programs-");
        Fixtures.write(dir.resolve("args.py"), """
                import os, sys
                assert __name__ == '__main__' and __file__ == sys.argv[0]
                assert sys.path[0] == os.path.dirname(os.path.abspath(__file__))
                print('argv', sys.argv)
                """);
        Fixtures.write(dir.resolve("exit3.py"), "import sys\nsys.exit(3)\n");
        Fixtures.write(dir.resolve("exitmsg.py"), "raise SystemExit('bye for now')\n");
        Fixtures.write(dir.resolve("fails.py"), "def f():\n    raise ValueError('nope')\nf()\n");
        Fixtures.write(dir.resolve("closes.py"), "import io, sys\nsys.stdout.close()\nsys.stdout = io.StringIO()\n");
        Fixtures.write(dir.resolve("data.json"), "{\"k\": [1, 2]}");
        Fixtures.write(dir.resolve("tether_run_pkg/__init__.py"), "");
        Fixtures.write(dir.resolve("tether_run_pkg/__main__.py"),
                "import sys\nassert sys.argv[1:] == ['x'], sys.argv\nsys.exit(5)\n");
        Outcome o = ScenarioRunner.run(python, RunningPrograms.class, Duration.ofMinutes(2), dir.toString());
        Verdicts.clean(o);
        Verdicts.require(o.count("checks") == 2L * CHECKS + 1, "expected " + (2 * CHECKS + 1) + " checks", o);
    }
}
