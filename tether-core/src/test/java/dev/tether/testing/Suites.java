package dev.tether.testing;

import dev.tether.scenarios.CallsAndExceptions;
import dev.tether.scenarios.ConversionProperties;
import dev.tether.scenarios.CrossInterpreterStarvation;
import dev.tether.scenarios.Environment;
import dev.tether.scenarios.FinalizationStorm;
import dev.tether.scenarios.HostilePython;
import dev.tether.scenarios.IdleThreadStates;
import dev.tether.scenarios.LifetimeStorm;
import dev.tether.scenarios.Misuse;
import dev.tether.scenarios.NestedSwitching;
import dev.tether.scenarios.ObjectChurn;
import dev.tether.scenarios.PoolUnderLoad;
import dev.tether.scenarios.PythonThreadsCallJava;
import dev.tether.scenarios.ShutdownHook;
import dev.tether.scenarios.SubinterpreterChurn;
import dev.tether.scenarios.ThreadChurn;
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

    /** A named suite. */
    public record Suite(String name, Consumer<PythonInstall> run) {}

    /** Every suite, in the order they run (narrowed by {@code tether.test.suites}). */
    public static List<Suite> all() {
        List<Suite> all = List.of(
                // the attach/close protocol
                new Suite("finalization storm, main interpreter", FinalizationStorm::mainSuite),
                new Suite("finalization storm, subinterpreters", FinalizationStorm::subinterpreterSuite),
                new Suite("subinterpreter churn", SubinterpreterChurn::suite),
                new Suite("idle subinterpreter thread states at the end", IdleThreadStates::suite),
                new Suite("misuse", Misuse::suite),
                new Suite("hostile Python", HostilePython::suite),
                new Suite("hostile environment ignored", Environment::hostileSuite),
                new Suite("environment inherited on request", Environment::inheritedSuite),
                new Suite("nested and switching attachments", NestedSwitching::suite),
                new Suite("no starvation across interpreters", CrossInterpreterStarvation::suite),
                new Suite("thread states of dead threads reclaimed", ThreadChurn::suite),
                new Suite("shutdown hook bounded", ShutdownHook::suite),
                // parallel Python
                new Suite("pool close under load", PoolUnderLoad::closeSuite),
                new Suite("pool cancellation", PoolUnderLoad::cancelSuite),
                new Suite("virtual-thread storm", VirtualThreadStorm::suite),
                // the object bridge
                new Suite("conversions round trip", ConversionProperties::suite),
                new Suite("calls and exceptions both ways", CallsAndExceptions::suite),
                new Suite("Python threads calling Java while closing", PythonThreadsCallJava::suite),
                new Suite("object lifetime storm", LifetimeStorm::suite),
                new Suite("forgotten objects reclaimed", ObjectChurn::suite));
        String only = System.getProperty("tether.test.suites", "");
        if (only.isBlank()) {
            return all;
        }
        List<String> words = List.of(only.split("\\s*,\\s*"));
        return all.stream().filter(s -> words.stream().anyMatch(s.name()::contains)).toList();
    }
}
