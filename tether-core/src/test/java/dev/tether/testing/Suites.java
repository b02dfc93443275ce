package dev.tether.testing;

import dev.tether.scenarios.CallsAndExceptions;
import dev.tether.scenarios.ConversionProperties;
import dev.tether.scenarios.CrossInterpreterStarvation;
import dev.tether.scenarios.Environment;
import dev.tether.scenarios.FinalizationStorm;
import dev.tether.scenarios.HostilePython;
import dev.tether.scenarios.LifetimeStorm;
import dev.tether.scenarios.Misuse;
import dev.tether.scenarios.NestedSwitching;
import dev.tether.scenarios.ObjectChurn;
import dev.tether.scenarios.PythonThreadsCallJava;
import dev.tether.scenarios.ShutdownHook;
import dev.tether.scenarios.SubinterpreterChurn;
import dev.tether.scenarios.ThreadChurn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every scenario with its verdict, runnable from JUnit (the matrix from Maven Central) and from
 * {@link ExtendedMatrix} (builds from a Debian sid root) alike. Each runs JVMs of its own, checks the outcome and
 * reports its figures; it throws {@link AssertionError} on a failed verdict.
 */
public final class Suites {
    /** Runs per version of each finalization storm. */
    public static final int STORM_RUNS = Integer.getInteger("tether.test.stormRuns", 20);
    private static final int SUB_RUNS_PER_JVM = 5;
    private static final String STORM_THREADS = "16";

    private Suites() {}

    /** A named suite. */
    public record Suite(String name, java.util.function.Consumer<PythonInstall> run) {}

    /** Every suite, in the order they run: issue 2's protocol suites, then issue 3's bridge suites. */
    public static List<Suite> all() {
        return List.of(
                new Suite("finalization storm, main interpreter", Suites::mainStorm),
                new Suite("finalization storm, subinterpreters", Suites::subinterpreterStorm),
                new Suite("subinterpreter churn", Suites::subinterpreterChurn),
                new Suite("misuse", Suites::misuse),
                new Suite("hostile Python", Suites::hostilePython),
                new Suite("hostile environment ignored", Suites::hostileEnvironment),
                new Suite("environment inherited on request", Suites::inheritedEnvironment),
                new Suite("nested and switching attachments", Suites::nestedSwitching),
                new Suite("no starvation across interpreters", Suites::crossInterpreterStarvation),
                new Suite("thread states of dead threads reclaimed", Suites::deadThreadsReclaimed),
                new Suite("shutdown hook bounded", Suites::shutdownHook),
                new Suite("conversions round trip", Suites::conversions),
                new Suite("calls and exceptions both ways", Suites::callsAndExceptions),
                new Suite("Python threads calling Java while closing", Suites::pythonThreadsCallJava),
                new Suite("object lifetime storm", Suites::lifetimeStorm),
                new Suite("forgotten objects reclaimed", Suites::objectChurn));
    }

    /** The main-interpreter storm: one JVM per run, since closing the main interpreter finalizes CPython. */
    public static void mainStorm(PythonInstall python) {
        List<Outcome> outcomes = new ArrayList<>();
        for (int run = 0; run < STORM_RUNS; run++) {
            Outcome o = ScenarioRunner.run(python, FinalizationStorm.class, Duration.ofSeconds(90), "main",
                    STORM_THREADS);
            Verdicts.storm(o);
            outcomes.add(o);
        }
        stormReport("main", python, outcomes);
    }

    /** The subinterpreter storm: several runs per JVM. */
    public static void subinterpreterStorm(PythonInstall python) {
        List<Outcome> outcomes = new ArrayList<>();
        for (int done = 0; done < STORM_RUNS; done += SUB_RUNS_PER_JVM) {
            Outcome o = ScenarioRunner.run(python, FinalizationStorm.class, Duration.ofSeconds(120), "sub",
                    Integer.toString(SUB_RUNS_PER_JVM), STORM_THREADS);
            Verdicts.storm(o);
            Verdicts.require(o.count("runs") == SUB_RUNS_PER_JVM, "runs missing", o);
            outcomes.add(o);
        }
        stormReport("subinterpreter", python, outcomes);
    }

    public static void subinterpreterChurn(PythonInstall python) {
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

    public static void misuse(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, Misuse.class, Duration.ofMinutes(1));
        Verdicts.clean(o);
        Verdicts.require(o.count("checks") == 27, "expected 27 checks", o);
        Verdicts.require(o.count("stillWorks") == 5, "the runtime was not checked after every misuse", o);
    }

    public static void hostilePython(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, HostilePython.class, Duration.ofMinutes(1));
        Verdicts.clean(o);
        Verdicts.require(o.count("checks") == 10, "expected 10 checks", o);
    }

    public static void hostileEnvironment(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, Environment.class, Duration.ofMinutes(1),
                Map.of("PYTHONFAULTHANDLER", "1", "PYTHONHOME", "/nonexistent", "PYTHONPATH", "/nonexistent/lib",
                        "PYTHONUTF8", "0", "PYTHONVERBOSE", "1", "PYTHONMALLOC", "malloc"), List.of());
        Verdicts.clean(o);
        Verdicts.require(o.count("checks") == 1, "checks missing", o);
        Verdicts.require(!o.output().contains("# installing zipimport hook"), "PYTHONVERBOSE was honoured", o);
    }

    public static void inheritedEnvironment(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, Environment.class, Duration.ofMinutes(1),
                Map.of("PYTHONPATH", "/tmp/tether-env-check"), List.of(), "inherit");
        Verdicts.clean(o);
        Verdicts.require(o.count("checks") == 1, "checks missing", o);
    }

    public static void nestedSwitching(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, NestedSwitching.class, Duration.ofMinutes(1));
        Verdicts.clean(o);
        Verdicts.require(o.count("levels") == 8 && o.count("verified") == 15, "levels not all verified", o);
        Verdicts.require(o.count("refusedOutOfOrder") == 49, "out-of-order releases not all tried", o);
    }

    public static void crossInterpreterStarvation(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, CrossInterpreterStarvation.class, Duration.ofMinutes(2));
        Verdicts.clean(o);
        Verdicts.require(o.count("attaches") == 40, "attaches missing", o);
        Verdicts.report(String.format("starvation CPython %-6s attaches=40 meanAttachMs=%.1f (a thread spinning in"
                + " the other interpreter)", python, o.count("attachMillisTotal") / 40.0));
    }

    public static void deadThreadsReclaimed(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, ThreadChurn.class, Duration.ofMinutes(2), "300");
        Verdicts.clean(o);
        Verdicts.report(String.format("thread-churn CPython %-6s threads=300 threadStates=%d->%d reaped=%d", python,
                o.count("threadStatesBefore"), o.count("threadStatesAfter"), o.count("reaped")));
    }

    /** The JVM exits promptly through the shutdown hook, whether it can close the runtime in time or not. */
    public static void shutdownHook(PythonInstall python) {
        for (String mode : List.of("loop", "sleep")) {
            long begin = System.nanoTime();
            Outcome o = ScenarioRunner.run(python, ShutdownHook.class, Duration.ofSeconds(60), mode);
            long millis = (System.nanoTime() - begin) / 1_000_000;
            Verdicts.clean(o);
            Verdicts.require(o.count("checks") == 1, "scenario incomplete", o);
            boolean gaveUp = o.output().contains("was not closed at JVM exit");
            Verdicts.require(mode.equals("loop") ? !gaveUp && o.output().contains("KeyboardInterrupt") : gaveUp,
                    mode + ": the hook should " + (mode.equals("loop") ? "close the runtime" : "give up"), o);
            Verdicts.report(String.format("shutdown-hook CPython %-6s %s: JVM exited in %d ms (deadline 500 ms)%s",
                    python, mode, millis, gaveUp ? ", hook gave up (blocking call)" : ", runtime closed"));
        }
    }

    public static void conversions(PythonInstall python) {
        long seed = Long.getLong("tether.test.seed", System.nanoTime());
        Outcome o = ScenarioRunner.run(python, ConversionProperties.class, Duration.ofMinutes(2),
                Long.toString(seed), "2000");
        Verdicts.clean(o);
        Verdicts.require(o.count("roundTrips") >= 2000 + 2000 / 4, "round trips missing (seed " + seed + ")", o);
        Verdicts.require(o.count("refused") == 17 && o.count("checks") == 22, "strict checks missing", o);
        Verdicts.report(String.format("conversions CPython %-6s seed=%d roundTrips=%d refused=%d", python, seed,
                o.count("roundTrips"), o.count("refused")));
    }

    public static void callsAndExceptions(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, CallsAndExceptions.class, Duration.ofMinutes(1));
        Verdicts.clean(o);
        Verdicts.require(o.count("checks") == 33, "checks missing", o);
    }

    public static void pythonThreadsCallJava(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, PythonThreadsCallJava.class, Duration.ofMinutes(2), "4");
        Verdicts.clean(o);
        Verdicts.report(String.format("python-threads CPython %-6s callbacks=%d completed=%d switchRefused=%d"
                        + " unexpected=%d", python, o.count("callbacks"), o.count("completed"),
                o.count("switchRefused"), o.count("unexpected")));
    }

    public static void lifetimeStorm(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, LifetimeStorm.class, Duration.ofMinutes(3), "5", "8");
        Verdicts.clean(o);
        Verdicts.require(o.count("runs") == 5, "runs missing", o);
        Verdicts.require(o.count("unexpected") == 0, "unexpected outcomes", o);
        Verdicts.require(o.count("attempts") == o.count("completed") + o.count("refusedFinalizing")
                + o.count("refusedClosed") + o.count("alreadyReleased"), "an attempt was lost", o);
        Verdicts.report(String.format("lifetime-storm CPython %-6s runs=%d attempts=%d completed=%d"
                        + " refusedFinalizing=%d refusedClosed=%d alreadyReleased=%d unexpected=0", python,
                o.count("runs"), o.count("attempts"), o.count("completed"), o.count("refusedFinalizing"),
                o.count("refusedClosed"), o.count("alreadyReleased")));
    }

    public static void objectChurn(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, ObjectChurn.class, Duration.ofMinutes(5), "1000000");
        Verdicts.clean(o);
        Verdicts.report(String.format("object-churn CPython %-6s objects=%d gcObjects=%d->%d totalRefs=%s"
                        + " rssKiB=%d/%d/%d (before/peak/after)", python, o.count("objects"),
                o.count("gcObjectsBefore"), o.count("gcObjectsAfter"),
                o.counters().containsKey("totalRefsBefore")
                        ? o.count("totalRefsBefore") + "->" + o.count("totalRefsAfter") : "n/a (release build)",
                o.count("rssBeforeKiB"), o.count("rssPeakKiB"), o.count("rssAfterKiB")));
    }

    private static void stormReport(String kind, PythonInstall python, List<Outcome> outcomes) {
        Verdicts.report(String.format("storm %-14s CPython %-6s runs=%d jvms=%d attempts=%d completed=%d"
                        + " refusedFinalizing=%d refusedClosed=%d unexpected=%d crashes=0 hangs=0 meanCloseMs=%.1f",
                kind, python, Verdicts.sum(outcomes, "runs"), outcomes.size(), Verdicts.sum(outcomes, "attempts"),
                Verdicts.sum(outcomes, "completed"), Verdicts.sum(outcomes, "refusedFinalizing"),
                Verdicts.sum(outcomes, "refusedClosed"), Verdicts.sum(outcomes, "unexpected"),
                Verdicts.sum(outcomes, "closeMicros") / 1000.0 / Math.max(1, Verdicts.sum(outcomes, "runs"))));
    }
}
