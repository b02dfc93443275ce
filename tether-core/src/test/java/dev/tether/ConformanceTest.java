package dev.tether;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tether.testing.conformance.ConformanceSuite;
import dev.tether.testing.conformance.Target;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * CPython's own regression tests, standalone and inside Tether, compared test by test ({@link ConformanceSuite}):
 * on Debian 12's CPython 3.11 with {@code libpython3.11-testsuite}, which {@code .ci/run} installs. Where that is
 * missing, or the run is narrowed to other suites or versions, the test is SKIPPED and says why.
 */
class ConformanceTest {
    /** The name {@code -Dtether.test.suites} matches against. */
    static final String SUITE = "CPython conformance";

    @Test
    void cpythonRegressionTestsMatchStandalone() {
        Target target = Target.debian311();
        Optional<String> skip = skipReason(target);
        if (skip.isPresent()) {
            System.out.println("CPython conformance SKIPPED: " + skip.get());
        }
        assumeTrue(skip.isEmpty(), () -> "CPython conformance SKIPPED: " + skip.get());
        ConformanceSuite.run(target);
    }

    private static Optional<String> skipReason(Target target) {
        String suites = System.getProperty("tether.test.suites", "");
        if (!suites.isBlank() && List.of(suites.split("\\s*,\\s*")).stream().noneMatch(SUITE::contains)) {
            return Optional.of("not selected by tether.test.suites=" + suites);
        }
        String versions = System.getProperty("tether.test.versions", "");
        if (!versions.isBlank() && !List.of(versions.split("\\s*,\\s*")).contains(target.name())) {
            return Optional.of("not selected by tether.test.versions=" + versions);
        }
        return target.unavailable();
    }
}
