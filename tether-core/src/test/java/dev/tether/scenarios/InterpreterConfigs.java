package dev.tether.scenarios;

import dev.tether.ErrorCode;
import dev.tether.Interpreter;
import dev.tether.InterpreterConfig;
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
import java.util.concurrent.TimeUnit;

/**
 * {@code newInterpreter(InterpreterConfig)}: the legacy kind (shared GIL, threads and daemon threads, single-phase
 * init modules load: {@code _testsinglephase} on 3.12+), the isolated kind (own GIL, daemon threads and
 * single-phase modules refused with Tether's hint), single fields ({@code allowThreads(false)}), combinations
 * CPython rejects, and on 3.9-3.11 fields that need {@code PyInterpreterConfig} refused naming the version. A
 * legacy subinterpreter on 3.12 is not starved by a thread spinning in the main interpreter.
 */
public final class InterpreterConfigs extends Scenario {
    /** Checks on 3.12+ and on 3.9-3.11. */
    static final int CHECKS_312 = 11;
    static final int CHECKS_LEGACY_ONLY = 6;
    /** Attachments to the legacy subinterpreter while the main interpreter spins. */
    static final int ATTACHES = 20;

    @Override
    protected void run(String[] args) throws Exception {
        PythonRuntime python = PythonRuntime.start();
        boolean configurable = python.version().minor() >= 12;
        Interpreter legacy = python.newInterpreter(InterpreterConfig.legacy());
        check(!legacy.hasOwnGil(), "legacy has its own GIL");
        count("checks");
        legacy.run(ts -> {
            py(ts, "__import__('threading').Thread(target=lambda: None, daemon=True).start() is None", "daemon");
            if (configurable) {
                py(ts, "__import__('_testsinglephase') is not None", "a single-phase init module in legacy()");
            }
        });
        Interpreter isolated = python.newInterpreter(InterpreterConfig.isolated());
        check(isolated.hasOwnGil() == configurable, "isolated's GIL");
        count("checks");
        if (configurable) {
            isolated.run(ts -> {
                refusedInPython(ts, "import _testsinglephase", "InterpreterConfig.legacy()");
                refusedInPython(ts, "__import__('threading').Thread(target=print, daemon=True).start()", null);
            });
            python.newInterpreter(InterpreterConfig.isolated().allowThreads(false)).run(ts ->
                    refusedInPython(ts, "__import__('threading').Thread(target=print).start()", null));
            invalid(() -> python.newInterpreter(InterpreterConfig.isolated().checkMultiInterpExtensions(false)),
                    "checkMultiInterpExtensions(true)");
            invalid(() -> python.newInterpreter(InterpreterConfig.legacy().ownGil(true)), "useMainObmalloc(false)");
            python.newInterpreter(InterpreterConfig.legacy().allowFork(false).allowDaemonThreads(false)).run(ts ->
                    refusedInPython(ts, "__import__('threading').Thread(target=print, daemon=True).start()", null));
            notStarved(python, legacy);
        } else {
            invalid(() -> python.newInterpreter(InterpreterConfig.isolated().ownGil(true)), "from 3.12");
            invalid(() -> python.newInterpreter(InterpreterConfig.legacy().allowThreads(false)), "allowThreads");
            python.newInterpreter(InterpreterConfig.isolated().allowThreads(true)).run(ts -> py(ts, "1 + 1 == 2",
                    "a field set to what the legacy kind has"));
        }
        python.close();
    }

    /** A thread spins in the main interpreter (20 s at most) while another attaches to the legacy one. */
    private void notStarved(PythonRuntime python, Interpreter legacy) throws Exception {
        Interpreter main = python.mainInterpreter();
        main.run(ts -> ts.exec("spin = True"));
        Thread spinner = Thread.ofPlatform().start(() -> main.run(ts -> ts.exec(
                "import time\nt = time.time()\nwhile spin and time.time() - t < 20: pass\nspun = time.time() - t")));
        Thread.sleep(200);
        for (int i = 0; i < ATTACHES; i++) {
            legacy.run(ts -> ts.eval("1 + 1"));
        }
        main.run(ts -> ts.exec("spin = False"));
        spinner.join(TimeUnit.SECONDS.toMillis(30));
        double spun = (Double) main.call(ts -> ts.eval("spun"));
        check(spun < 19, "the legacy subinterpreter waited for the spinner (" + spun + " s)");
        count("checks");
    }

    private void refusedInPython(ThreadState ts, String code, String hint) {
        try {
            ts.exec(code);
            throw new AssertionError("not refused: " + code);
        } catch (PythonException e) {
            check(hint == null || e.getMessage().contains(hint), "no Tether hint: " + e.getMessage());
            System.out.println("refused as expected: " + e.getMessage());
            count("checks");
        }
    }

    private void invalid(Runnable create, String text) {
        try {
            create.run();
            throw new AssertionError("created although invalid (" + text + ")");
        } catch (ThreadStateException e) {
            check(e.code() == ErrorCode.INVALID_CONFIGURATION && e.getMessage().contains(text), e.toString());
            System.out.println("refused as expected: " + e.getMessage());
            count("checks");
        }
    }

    private void py(ThreadState ts, String expression, String what) {
        check(Boolean.TRUE.equals(ts.eval(expression)), what + ": " + expression);
        count("checks");
    }

    /** Runs and judges the scenario. */
    public static void suite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, InterpreterConfigs.class, Duration.ofMinutes(2));
        Verdicts.clean(o);
        long expected = python.minor() >= 12 ? CHECKS_312 : CHECKS_LEGACY_ONLY;
        Verdicts.require(o.count("checks") == expected, "expected " + expected + " checks", o);
    }
}
