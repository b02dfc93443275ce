package dev.tether;

import dev.tether.testing.PythonInstall;
import dev.tether.testing.Suites;
import java.util.List;
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
        Suites.subinterpreterChurn(python);
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void misuse(PythonInstall python) {
        Suites.misuse(python);
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void hostilePython(PythonInstall python) {
        Suites.hostilePython(python);
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void hostileEnvironmentIsIgnored(PythonInstall python) {
        Suites.hostileEnvironment(python);
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void environmentCanBeInherited(PythonInstall python) {
        Suites.inheritedEnvironment(python);
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void nestedSwitching(PythonInstall python) {
        Suites.nestedSwitching(python);
    }

    @ParameterizedTest(name = "CPython {0}")
    @MethodSource("pythons")
    void deadThreadsAreReclaimed(PythonInstall python) {
        Suites.deadThreadsReclaimed(python);
    }
}
