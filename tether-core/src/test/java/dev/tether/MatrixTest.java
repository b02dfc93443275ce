package dev.tether;

import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.tether.testing.PythonInstall;
import dev.tether.testing.Suites;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.TestFactory;

/**
 * Every suite of {@link Suites} on every CPython of the matrix (3.9 to 3.14 from Maven Central, narrowed by
 * {@code -Dtether.test.versions=3.12,3.14}). Each scenario runs in JVMs of its own: one CPython runtime per process.
 */
class MatrixTest {
    @TestFactory
    Stream<DynamicContainer> everySuiteOnEveryCPython() {
        List<PythonInstall> pythons = PythonInstall.configured();
        return Suites.all().stream().map(suite -> dynamicContainer(suite.name(), pythons.stream()
                .map(python -> dynamicTest("CPython " + python, () -> suite.run().accept(python)))));
    }
}
