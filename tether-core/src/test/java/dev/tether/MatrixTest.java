package dev.tether;

import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.tether.testing.PythonInstall;
import dev.tether.testing.Skipped;
import dev.tether.testing.Suites;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every suite of {@link Suites} on every CPython of the matrix (3.9 to 3.14 from Maven Central, narrowed by
 * {@code -Dtether.test.versions=3.12,3.14}), and the suites about real installations also on the distribution's own
 * CPython ({@link PythonInstall#system()}, Debian's 3.11 here). Each scenario runs in JVMs of its own: one CPython
 * runtime per process. A suite that cannot run on a build says why ({@link Skipped}): JUnit reports it skipped.
 */
class MatrixTest {
    @TestFactory
    Stream<DynamicContainer> everySuiteOnEveryCPython() {
        List<PythonInstall> pythons = PythonInstall.configured();
        List<PythonInstall> system = PythonInstall.system();
        return Suites.all().stream().map(suite -> {
            List<PythonInstall> targets = new ArrayList<>(pythons);
            if (suite.onSystemPython()) {
                targets.addAll(system);
            }
            return dynamicContainer(suite.name(), targets.stream().map(python -> test(suite, python)));
        });
    }

    private static DynamicTest test(Suites.Suite suite, PythonInstall python) {
        return dynamicTest("CPython " + python, () -> {
            try {
                suite.run().accept(python);
            } catch (Skipped e) {
                System.out.println("SKIPPED " + suite.name() + " on " + python + ": " + e.getMessage());
                Assumptions.abort(e.getMessage());
            }
        });
    }
}
