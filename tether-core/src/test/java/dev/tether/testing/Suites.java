package dev.tether.testing;

import dev.tether.scenarios.BuffersAndNumbers;
import dev.tether.scenarios.CallsAndExceptions;
import dev.tether.scenarios.ConversionProperties;
import dev.tether.scenarios.CrossInterpreterStarvation;
import dev.tether.scenarios.DeepData;
import dev.tether.scenarios.Environment;
import dev.tether.scenarios.Environments;
import dev.tether.scenarios.InterpreterConfigs;
import dev.tether.scenarios.NativeExtensions;
import dev.tether.scenarios.ProgramOutput;
import dev.tether.scenarios.RunningPrograms;
import dev.tether.scenarios.ExitStorm;
import dev.tether.scenarios.FinalizationStorm;
import dev.tether.scenarios.HostAccessPolicies;
import dev.tether.scenarios.FlinkLike;
import dev.tether.scenarios.HostilePython;
import dev.tether.scenarios.InterruptStorm;
import dev.tether.scenarios.JavaObjectLifetime;
import dev.tether.scenarios.JavaProxies;
import dev.tether.scenarios.JavaViews;
import dev.tether.scenarios.IsolatedImports;
import dev.tether.scenarios.IdleThreadStates;
import dev.tether.scenarios.LifetimeStorm;
import dev.tether.scenarios.Misuse;
import dev.tether.scenarios.NestedSwitching;
import dev.tether.scenarios.PendingCalls;
import dev.tether.scenarios.ObjectChurn;
import dev.tether.scenarios.PoolUnderLoad;
import dev.tether.scenarios.PythonThreadsCallJava;
import dev.tether.scenarios.ReviewRegressions;
import dev.tether.scenarios.ShutdownHook;
import dev.tether.scenarios.SmallStacks;
import dev.tether.scenarios.SubinterpreterChurn;
import dev.tether.scenarios.ThreadChurn;
import dev.tether.scenarios.ThreadsStartedFromJava;
import dev.tether.scenarios.VirtualThreadStorm;
import java.util.List;
import java.util.function.Consumer;

/**
 * Every suite, runnable from JUnit (the matrix from Maven Central) and from {@link ExtendedMatrix} (builds from a
 * Debian sid root) alike. A suite is a static method of its scenario class, which runs the scenario in JVMs of its
 * own and judges the outcome against the counts the scenario declares next to the code that counts them; it throws
 * {@link AssertionError} on a failed verdict.
 *
 * <p>{@code -Dtether.test.suites=storm,churn} runs only the suites whose names contain one of those words.
 */
public final class Suites {
    private Suites() {}

    /**
     * A named suite.
     *
     * @param onSystemPython whether it runs on the distribution's CPython too ({@link PythonInstall#system()}),
     *                       besides the matrix: the suites about real installations (packages, environments)
     */
    public record Suite(String name, Consumer<PythonInstall> run, boolean onSystemPython) {
        public Suite(String name, Consumer<PythonInstall> run) {
            this(name, run, false);
        }
    }

    /** Every suite, in the order they run (narrowed by {@code tether.test.suites}). */
    public static List<Suite> all() {
        List<Suite> all = List.of(
                // the attach/close protocol
                new Suite("finalization storm, main interpreter", FinalizationStorm::mainSuite),
                new Suite("finalization storm, subinterpreters", FinalizationStorm::subinterpreterSuite),
                new Suite("subinterpreter churn", SubinterpreterChurn::suite),
                new Suite("stdlib modules isolated subinterpreters refuse", IsolatedImports::suite),
                new Suite("idle subinterpreter thread states at the end", IdleThreadStates::suite),
                new Suite("misuse", Misuse::suite),
                new Suite("hostile Python", HostilePython::suite),
                new Suite("hostile environment ignored", Environment::hostileSuite),
                new Suite("environment inherited on request", Environment::inheritedSuite),
                new Suite("nested and switching attachments", NestedSwitching::suite),
                new Suite("no starvation across interpreters", CrossInterpreterStarvation::suite),
                new Suite("thread states of dead threads reclaimed", ThreadChurn::suite),
                new Suite("shutdown hook bounded", ShutdownHook::suite),
                new Suite("threads started from Java are joined", ThreadsStartedFromJava::suite),
                new Suite("JVM exit storm", ExitStorm::suite),
                new Suite("interrupts and timeouts storm", InterruptStorm::suite),
                new Suite("pending calls on the main thread", PendingCalls::suite),
                new Suite("small thread stacks", SmallStacks::suite),
                // parallel Python
                new Suite("pool close under load", PoolUnderLoad::closeSuite),
                new Suite("pool cancellation", PoolUnderLoad::cancelSuite),
                new Suite("virtual-thread storm", VirtualThreadStorm::suite),
                // the object bridge
                new Suite("conversions round trip", ConversionProperties::suite),
                new Suite("calls and exceptions both ways", CallsAndExceptions::suite),
                new Suite("Python threads calling Java while closing", PythonThreadsCallJava::suite),
                new Suite("object lifetime storm", LifetimeStorm::suite),
                new Suite("forgotten objects reclaimed", ObjectChurn::suite),
                // environments, packages, output, programs, processes
                new Suite("interpreter configurations", InterpreterConfigs::suite),
                new Suite("executable, argv, sys.path and processes", Environments::defaultsSuite, true),
                new Suite("virtual environments", Environments::venvSuite, true),
                new Suite("native extensions across interpreters", NativeExtensions::suite, true),
                new Suite("program output", ProgramOutput::suite, true),
                new Suite("running scripts and modules", RunningPrograms::suite),
                new Suite("buffers described and number protocols", BuffersAndNumbers::suite),
                // Java objects in Python
                new Suite("java objects: host access policies", HostAccessPolicies::suite),
                new Suite("java objects: proxies", JavaProxies::suite),
                new Suite("java objects: live views and buffers", JavaViews::suite),
                new Suite("java objects: 1 M proxies created and dropped", JavaObjectLifetime::suite),
                new Suite("java objects: Flink-like operator from a thread pool", FlinkLike::suite),
                // hardening
                new Suite("deep and cyclic data", DeepData::suite),
                new Suite("review regressions", ReviewRegressions::suite, true));
        String only = System.getProperty("tether.test.suites", "");
        if (only.isBlank()) {
            return all;
        }
        List<String> words = List.of(only.split("\\s*,\\s*"));
        return all.stream().filter(s -> words.stream().anyMatch(s.name()::contains)).toList();
    }
}
