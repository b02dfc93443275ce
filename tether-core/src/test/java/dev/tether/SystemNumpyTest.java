package dev.tether;

import dev.tether.scenarios.NumpyArrays;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A user's own numpy, not tether-numpy's: Debian's {@code python3-numpy} for Debian's CPython 3.11
 * ({@code apt-get install python3-numpy}), found by that CPython's own {@code site} module, with the same
 * zero-copy, strides and scalar checks as tether-numpy's suite. SKIPPED, with the reason, where that CPython or its
 * numpy is not installed.
 */
class SystemNumpyTest {
    private static final Path LIBRARY = Path.of("/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0");
    private static final Path NUMPY = Path.of("/usr/lib/python3/dist-packages/numpy/__init__.py");

    @Test
    void debiansNumpyOnDebiansCPython() {
        Assumptions.assumeTrue(Files.isRegularFile(LIBRARY), "SKIPPED: no Debian CPython 3.11 at " + LIBRARY);
        Assumptions.assumeTrue(Files.isRegularFile(NUMPY),
                "SKIPPED: Debian's numpy is not installed (apt-get install python3-numpy)");
        Outcome o = ScenarioRunner.run(new PythonInstall("3.11 (Debian)", LIBRARY, Path.of("/usr")),
                NumpyArrays.class, Duration.ofMinutes(3));
        Verdicts.clean(o);
        Verdicts.require(o.count("checks") == NumpyArrays.CHECKS, "expected " + NumpyArrays.CHECKS + " checks", o);
        Verdicts.report(String.format("numpy-arrays CPython 3.11 (Debian, its python3-numpy) checks=%d"
                + " stridedViews=%d scalarConversions=%d", o.count("checks"), o.count("stridedViews"),
                o.count("scalarConversions")));
    }
}
