package dev.tether.numpy;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.tether.scenarios.NumpyArrays;
import dev.tether.numpy.scenarios.NumpyRefused;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * numpy's suites, in JVMs of their own: on the CPython of tether-cpython (found by discovery, nothing configured)
 * and on every CPython of the matrix that tether-core's build unpacked. The numpy jar is built for CPython 3.14
 * ({@code cpython-314-x86_64-linux-gnu}): on the matrix's 3.14 the suite runs; on every other version it is reported
 * SKIPPED with that reason, and the refusal itself is tested instead (the start fails naming both).
 */
class NumpyMatrixTest {
    private static final Duration DEADLINE = Duration.ofMinutes(3);
    /** Shared by the runs of this build: the trees are extracted once. */
    private static final Path CACHE = Path.of("target", "tether-cache").toAbsolutePath();
    /** The matrix version the numpy jar is built for. */
    private static final String BUILT_FOR = "3.14";

    @TestFactory
    Stream<DynamicTest> numpyOnEveryCPython() {
        List<DynamicTest> tests = new ArrayList<>();
        tests.add(dynamicTest("numpy arrays on the CPython of tether-cpython (zero-install)", () -> arrays(null)));
        for (PythonInstall python : matrix()) {
            if (python.name().equals(BUILT_FOR)) {
                tests.add(dynamicTest("numpy arrays on CPython " + python, () -> arrays(python)));
            } else {
                tests.add(dynamicTest("numpy arrays on CPython " + python, () -> Assumptions.abort(
                        "SKIPPED: the numpy jar (org.bytedeco:numpy:2.4.2-1.5.13) is built for CPython 3.14"
                                + " (cpython-314-x86_64-linux-gnu); CPython " + python + " cannot load it")));
                tests.add(dynamicTest("numpy refused on CPython " + python + ", naming both", () -> refused(python)));
            }
        }
        return tests.stream();
    }

    /** Runs {@link NumpyArrays} on {@code python}, or on the CPython discovery finds (tether-cpython) for null. */
    private static void arrays(PythonInstall python) {
        List<String> options = new ArrayList<>(List.of("-Dtether.cache.dir=" + CACHE));
        PythonInstall target = python;
        if (python == null) {
            // nothing names a CPython: the runner's -D options for a build are overridden by empty ones
            target = new PythonInstall("tether-cpython", Path.of("(discovered)"), Path.of("(discovered)"));
            options.addAll(List.of("-Dtether.python.library=", "-Dtether.python.home="));
        }
        Outcome o = ScenarioRunner.run(target, NumpyArrays.class, DEADLINE,
                Map.of("TETHER_PYTHON_LIBRARY", "", "TETHER_PYTHON_HOME", ""), options,
                python == null ? new String[] {"discovered"} : new String[0]);
        Verdicts.clean(o);
        Verdicts.require(o.count("checks") == NumpyArrays.CHECKS, "expected " + NumpyArrays.CHECKS + " checks", o);
        Verdicts.require(o.count("stridedViews") == 9 && o.count("scalarConversions") == 14, "views/scalars", o);
        Verdicts.report(String.format("numpy-arrays CPython %-14s checks=%d stridedViews=%d scalarConversions=%d",
                target, o.count("checks"), o.count("stridedViews"), o.count("scalarConversions")));
    }

    private static void refused(PythonInstall python) throws Exception {
        Path cache = Files.createTempDirectory("tether-numpy-refused-");
        Outcome o = ScenarioRunner.run(python, NumpyRefused.class, DEADLINE, Map.of(),
                List.of("-Dtether.cache.dir=" + cache), cache.toString(), String.valueOf(python.minor()));
        Verdicts.clean(o);
        Verdicts.require(o.count("refusedNamingBoth") == 2, "the start was not refused twice", o);
    }

    /** The matrix builds tether-core's build unpacked; none (reported) when it did not run. */
    private static List<PythonInstall> matrix() {
        String dir = System.getProperty("tether.test.cpython.dir", "");
        if (dir.isBlank() || !Files.isDirectory(Path.of(dir))) {
            System.out.println("SKIPPED: the CPython matrix is not unpacked at '" + dir + "' (tether-core's tests"
                    + " unpack it); numpy runs on the CPython of tether-cpython only");
            return List.of();
        }
        return PythonInstall.configured();
    }
}
