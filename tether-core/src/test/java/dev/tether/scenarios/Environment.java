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
import java.util.Map;

/**
 * Started with hostile PYTHON* variables in the environment (PYTHONFAULTHANDLER=1, PYTHONHOME=/nonexistent ...):
 * the runtime ignores them by default, so it starts, Python's fault handler does not replace the JVM's signal
 * handlers (which the JVM itself relies on: implicit null checks use SIGSEGV), and the JVM survives. With argument
 * {@code inherit}, the environment is honoured instead (PYTHONPATH shows up in sys.path).
 */
public final class Environment extends Scenario {
    @Override
    protected void run(String[] args) throws Exception {
        boolean inherit = args.length > 0 && args[0].equals("inherit");
        PythonRuntime python = PythonRuntime.builder().inheritEnvironment(inherit).start();
        Interpreter main = python.mainInterpreter();
        main.run(ts -> {
            ts.exec("import sys, faulthandler");
            if (inherit) {
                check(Boolean.TRUE.equals(ts.eval("'/tmp/tether-env-check' in sys.path")),
                        "PYTHONPATH was not inherited");
                check(Long.valueOf(0).equals(ts.eval("sys.flags.ignore_environment")), "environment ignored");
            } else {
                check(Long.valueOf(1).equals(ts.eval("sys.flags.ignore_environment")), "environment not ignored");
                check(Boolean.FALSE.equals(ts.eval("faulthandler.is_enabled()")), "faulthandler was enabled");
                check(Boolean.FALSE.equals(ts.eval("any('nonexistent' in p for p in sys.path)")),
                        "PYTHONPATH/PYTHONHOME leaked into sys.path");
                check(Long.valueOf(1).equals(ts.eval("sys.flags.utf8_mode")), "UTF-8 mode is off");
            }
            check(Long.valueOf(7).equals(ts.eval("__import__('math').floor(7.9)")), "stdlib broken");
        });
        // The JVM's own use of SIGSEGV (implicit null checks in compiled code) must still work.
        long npes = 0;
        for (int i = 0; i < 200_000; i++) {
            try {
                touch(i % 1000 == 0 ? null : "x");
            } catch (NullPointerException e) {
                npes++;
            }
        }
        check(npes == 200, "caught " + npes + " NullPointerExceptions");
        count("checks");
        python.close();
    }

    private static int touch(String s) {
        return s.length();
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** Runs and judges the scenario on {@code python}. */
    public static void hostileSuite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, Environment.class, Duration.ofMinutes(1),
                Map.of("PYTHONFAULTHANDLER", "1", "PYTHONHOME", "/nonexistent", "PYTHONPATH", "/nonexistent/lib",
                        "PYTHONUTF8", "0", "PYTHONVERBOSE", "1", "PYTHONMALLOC", "malloc"), List.of());
        Verdicts.clean(o);
        Verdicts.require(o.count("checks") == 1, "checks missing", o);
        Verdicts.require(!o.output().contains("# installing zipimport hook"), "PYTHONVERBOSE was honoured", o);
    }

    /** Runs and judges the scenario on {@code python}. */
    public static void inheritedSuite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, Environment.class, Duration.ofMinutes(1),
                Map.of("PYTHONPATH", "/tmp/tether-env-check"), List.of(), "inherit");
        Verdicts.clean(o);
        Verdicts.require(o.count("checks") == 1, "checks missing", o);
    }
}
