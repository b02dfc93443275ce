package dev.tether;

import dev.tether.testing.PythonInstall;
import dev.tether.testing.Suites;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The finalization storm of issue 2, on every CPython of the matrix: 16 platform threads (and 4 virtual ones)
 * attach in a loop while the interpreter is closed under them at a random moment; 20 runs per version and kind.
 */
class FinalizationStormTest {
    static List<PythonInstall> pythons() {
        return PythonInstall.configured();
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void mainInterpreterStorm(PythonInstall python) {
        Suites.mainStorm(python);
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void subinterpreterStorm(PythonInstall python) {
        Suites.subinterpreterStorm(python);
    }
}
