package dev.tether;

import dev.tether.testing.PythonInstall;
import dev.tether.testing.Suites;
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
        Suites.conversions(python);
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void callsAndExceptionsBothWays(PythonInstall python) {
        Suites.callsAndExceptions(python);
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void pythonThreadsCallJavaWhileClosing(PythonInstall python) {
        Suites.pythonThreadsCallJava(python);
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void lifetimeStorm(PythonInstall python) {
        Suites.lifetimeStorm(python);
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void forgottenObjectsAreReclaimed(PythonInstall python) {
        Suites.objectChurn(python);
    }
}
