package dev.tether.testing;

import dev.tether.scenarios.FinalizationStorm;
import dev.tether.scenarios.SubinterpreterChurn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the finalization storm and the subinterpreter churn on CPython builds given on the command line, without
 * JUnit: the extended matrix (CPython 3.15 and its debug build from a Debian sid root, see
 * {@code scripts/extended-matrix.sh}). Arguments: {@code name=libpython[:home]...}. Exit status 0 only if every
 * verdict passed.
 */
public final class ExtendedMatrix {
    private ExtendedMatrix() {}

    public static void main(String[] args) {
        int runs = Integer.getInteger("tether.test.stormRuns", 20);
        int failures = 0;
        for (String arg : args) {
            String[] nameAndPaths = arg.split("=", 2);
            String[] paths = nameAndPaths[1].split(":");
            PythonInstall python = new PythonInstall(nameAndPaths[0], Path.of(paths[0]),
                    paths.length > 1 ? Path.of(paths[1]) : null);
            failures += verdict("storm main " + python, () -> {
                List<Outcome> outcomes = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    Outcome o = ScenarioRunner.run(python, FinalizationStorm.class, Duration.ofSeconds(90), "main",
                            "16");
                    Verdicts.storm(o);
                    outcomes.add(o);
                }
                summarize("main", python, outcomes);
            });
            failures += verdict("storm subinterpreter " + python, () -> {
                List<Outcome> outcomes = new ArrayList<>();
                for (int done = 0; done < runs; done += 5) {
                    Outcome o = ScenarioRunner.run(python, FinalizationStorm.class, Duration.ofSeconds(120), "sub",
                            "5", "16");
                    Verdicts.storm(o);
                    outcomes.add(o);
                }
                summarize("subinterpreter", python, outcomes);
            });
            failures += verdict("churn " + python, () -> {
                Outcome o = ScenarioRunner.run(python, SubinterpreterChurn.class, Duration.ofMinutes(4), "200");
                Verdicts.clean(o);
                Verdicts.require(o.count("cycles") == 200 && o.count("staleAttached") == 0
                        && o.count("staleRefusedOther") == 0 && o.count("staleRefusedClosed") > 0, "churn", o);
                Verdicts.report(String.format("churn CPython %-6s cycles=%d staleRefusedClosed=%d staleAttached=0"
                        + " liveSubThreadStates=%d", python, o.count("cycles"), o.count("staleRefusedClosed"),
                        o.count("liveSubThreadStates")));
            });
        }
        System.out.println(failures == 0 ? "extended matrix: all passed" : "extended matrix: " + failures + " FAILED");
        System.exit(failures == 0 ? 0 : 1);
    }

    private static int verdict(String name, Runnable check) {
        try {
            check.run();
            System.out.println("PASS " + name);
            return 0;
        } catch (AssertionError | RuntimeException e) {
            System.out.println("FAIL " + name + ": " + e.getMessage());
            return 1;
        }
    }

    private static void summarize(String kind, PythonInstall python, List<Outcome> outcomes) {
        Verdicts.report(String.format("storm %-14s CPython %-6s runs=%d jvms=%d attempts=%d completed=%d"
                        + " refusedFinalizing=%d refusedClosed=%d unexpected=%d crashes=0 hangs=0 meanCloseMs=%.1f",
                kind, python, Verdicts.sum(outcomes, "runs"), outcomes.size(), Verdicts.sum(outcomes, "attempts"),
                Verdicts.sum(outcomes, "completed"), Verdicts.sum(outcomes, "refusedFinalizing"),
                Verdicts.sum(outcomes, "refusedClosed"), Verdicts.sum(outcomes, "unexpected"),
                Verdicts.sum(outcomes, "closeMicros") / 1000.0 / Math.max(1, Verdicts.sum(outcomes, "runs"))));
    }
}
