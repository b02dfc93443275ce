package dev.tether;

import dev.tether.scenarios.FinalizationStorm;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The finalization storm of issue 2, on every CPython of the matrix: 16 platform threads (and 4 virtual ones)
 * attach in a loop while the interpreter is closed under them at a random moment. Main interpreter: one JVM per
 * run (closing it finalizes CPython); subinterpreters: several runs per JVM.
 */
class FinalizationStormTest {
    static final int RUNS = Integer.getInteger("tether.test.stormRuns", 20);
    static final int SUB_RUNS_PER_JVM = 5;
    static final String THREADS = "16";

    static List<PythonInstall> pythons() {
        return PythonInstall.configured();
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void mainInterpreterStorm(PythonInstall python) {
        List<Outcome> outcomes = new ArrayList<>();
        for (int run = 0; run < RUNS; run++) {
            Outcome o = ScenarioRunner.run(python, FinalizationStorm.class, Duration.ofSeconds(90), "main", THREADS);
            Verdicts.storm(o);
            outcomes.add(o);
        }
        summarize("main", python, outcomes);
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void subinterpreterStorm(PythonInstall python) {
        List<Outcome> outcomes = new ArrayList<>();
        for (int done = 0; done < RUNS; done += SUB_RUNS_PER_JVM) {
            Outcome o = ScenarioRunner.run(python, FinalizationStorm.class, Duration.ofSeconds(120), "sub",
                    Integer.toString(SUB_RUNS_PER_JVM), THREADS);
            Verdicts.storm(o);
            Verdicts.require(o.count("runs") == SUB_RUNS_PER_JVM, "runs missing", o);
            outcomes.add(o);
        }
        summarize("subinterpreter", python, outcomes);
    }

    static void summarize(String kind, PythonInstall python, List<Outcome> outcomes) {
        Verdicts.report(String.format("storm %-14s CPython %-6s runs=%d jvms=%d attempts=%d completed=%d"
                        + " refusedFinalizing=%d refusedClosed=%d unexpected=%d crashes=0 hangs=0 meanCloseMs=%.1f",
                kind, python, Verdicts.sum(outcomes, "runs"), outcomes.size(), Verdicts.sum(outcomes, "attempts"),
                Verdicts.sum(outcomes, "completed"), Verdicts.sum(outcomes, "refusedFinalizing"),
                Verdicts.sum(outcomes, "refusedClosed"), Verdicts.sum(outcomes, "unexpected"),
                Verdicts.sum(outcomes, "closeMicros") / 1000.0 / Math.max(1, Verdicts.sum(outcomes, "runs"))));
    }
}
