package dev.tether;

import dev.tether.scenarios.Environment;
import dev.tether.scenarios.HostilePython;
import dev.tether.scenarios.Misuse;
import dev.tether.scenarios.NestedSwitching;
import dev.tether.scenarios.SubinterpreterChurn;
import dev.tether.scenarios.ThreadChurn;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The non-storm scenarios of issue 2, each in its own JVM, on every CPython of the matrix. */
class ScenariosTest {
    static List<PythonInstall> pythons() {
        return PythonInstall.configured();
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void subinterpreterChurn(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, SubinterpreterChurn.class, Duration.ofMinutes(4), "200");
        Verdicts.clean(o);
        Verdicts.require(o.count("cycles") == 200, "cycles", o);
        Verdicts.require(o.count("staleAttached") == 0 && o.count("staleRefusedOther") == 0,
                "a stale handle attached or was refused with the wrong code", o);
        Verdicts.require(o.count("staleRefusedClosed") > 0, "no stale attach was tried", o);
        Verdicts.report(String.format("churn CPython %-6s cycles=%d staleRefusedClosed=%d staleAttached=0"
                        + " mainThreadStates=%d->%d liveSubThreadStates=%d", python, o.count("cycles"),
                o.count("staleRefusedClosed"), o.count("mainThreadStatesBefore"), o.count("mainThreadStatesAfter"),
                o.count("liveSubThreadStates")));
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void misuse(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, Misuse.class, Duration.ofMinutes(1));
        Verdicts.clean(o);
        Verdicts.require(o.count("checks") == 27, "expected 27 checks", o);
        Verdicts.require(o.count("stillWorks") == 5, "the runtime was not checked after every misuse", o);
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void hostilePython(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, HostilePython.class, Duration.ofMinutes(1));
        Verdicts.clean(o);
        Verdicts.require(o.count("checks") == 10, "expected 10 checks", o);
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void hostileEnvironmentIsIgnored(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, Environment.class, Duration.ofMinutes(1),
                Map.of("PYTHONFAULTHANDLER", "1", "PYTHONHOME", "/nonexistent", "PYTHONPATH", "/nonexistent/lib",
                        "PYTHONUTF8", "0", "PYTHONVERBOSE", "1", "PYTHONMALLOC", "malloc"), List.of());
        Verdicts.clean(o);
        Verdicts.require(o.count("checks") == 1, "checks missing", o);
        Verdicts.require(!o.output().contains("# installing zipimport hook"), "PYTHONVERBOSE was honoured", o);
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void environmentCanBeInherited(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, Environment.class, Duration.ofMinutes(1),
                Map.of("PYTHONPATH", "/tmp/tether-env-check"), List.of(), "inherit");
        Verdicts.clean(o);
        Verdicts.require(o.count("checks") == 1, "checks missing", o);
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void nestedSwitching(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, NestedSwitching.class, Duration.ofMinutes(1));
        Verdicts.clean(o);
        Verdicts.require(o.count("levels") == 8 && o.count("verified") == 15, "levels not all verified", o);
        Verdicts.require(o.count("refusedOutOfOrder") == 49, "out-of-order releases not all tried", o);
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void deadThreadsAreReclaimed(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, ThreadChurn.class, Duration.ofMinutes(2), "300");
        Verdicts.clean(o);
        Verdicts.report(String.format("thread-churn CPython %-6s threads=300 threadStates=%d->%d reaped=%d", python,
                o.count("threadStatesBefore"), o.count("threadStatesAfter"), o.count("reaped")));
    }
}
