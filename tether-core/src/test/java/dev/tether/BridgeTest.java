package dev.tether;

import dev.tether.scenarios.CallsAndExceptions;
import dev.tether.scenarios.ConversionProperties;
import dev.tether.scenarios.LifetimeStorm;
import dev.tether.scenarios.ObjectChurn;
import dev.tether.scenarios.PythonThreadsCallJava;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The object bridge (issue 3) on every CPython of the matrix, each scenario in its own JVM. */
class BridgeTest {
    static List<PythonInstall> pythons() {
        return PythonInstall.configured();
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void conversionsRoundTrip(PythonInstall python) {
        long seed = Long.getLong("tether.test.seed", System.nanoTime());
        Outcome o = ScenarioRunner.run(python, ConversionProperties.class, Duration.ofMinutes(2),
                Long.toString(seed), "2000");
        Verdicts.clean(o);
        Verdicts.require(o.count("roundTrips") >= 2000 + 2000 / 4, "round trips missing (seed " + seed + ")", o);
        Verdicts.require(o.count("refused") == 17 && o.count("checks") == 22, "strict checks missing", o);
        Verdicts.report(String.format("conversions CPython %-6s seed=%d roundTrips=%d refused=%d", python, seed,
                o.count("roundTrips"), o.count("refused")));
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void callsAndExceptionsBothWays(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, CallsAndExceptions.class, Duration.ofMinutes(1));
        Verdicts.clean(o);
        Verdicts.require(o.count("checks") == 33, "checks missing", o);
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void pythonThreadsCallJavaWhileClosing(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, PythonThreadsCallJava.class, Duration.ofMinutes(2), "4");
        Verdicts.clean(o);
        Verdicts.report(String.format("python-threads CPython %-6s callbacks=%d completed=%d switchRefused=%d"
                        + " unexpected=%d", python, o.count("callbacks"), o.count("completed"),
                o.count("switchRefused"), o.count("unexpected")));
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void lifetimeStorm(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, LifetimeStorm.class, Duration.ofMinutes(3), "5", "8");
        Verdicts.clean(o);
        long accounted = o.count("completed") + o.count("refusedFinalizing") + o.count("refusedClosed")
                + o.count("alreadyReleased");
        Verdicts.require(o.count("runs") == 5, "runs missing", o);
        Verdicts.require(o.count("unexpected") == 0, "unexpected outcomes", o);
        Verdicts.report(String.format("lifetime-storm CPython %-6s runs=%d attempts=%d completed=%d"
                        + " refusedFinalizing=%d refusedClosed=%d alreadyReleased=%d unexpected=0 (accounted %d)",
                python, o.count("runs"), o.count("attempts"), o.count("completed"), o.count("refusedFinalizing"),
                o.count("refusedClosed"), o.count("alreadyReleased"), accounted));
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void forgottenObjectsAreReclaimed(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, ObjectChurn.class, Duration.ofMinutes(4), "1000000");
        Verdicts.clean(o);
        Verdicts.report(String.format("object-churn CPython %-6s objects=%d gcObjects=%d->%d rssKiB=%d/%d/%d"
                        + " (before/peak/after)", python, o.count("objects"), o.count("gcObjectsBefore"),
                o.count("gcObjectsAfter"), o.count("rssBeforeKiB"), o.count("rssPeakKiB"), o.count("rssAfterKiB")));
    }
}
