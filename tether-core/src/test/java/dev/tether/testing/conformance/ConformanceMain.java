package dev.tether.testing.conformance;

/**
 * The conformance suite without JUnit, for the extended matrix (sid's CPython 3.14, see
 * {@code scripts/extended-matrix.sh}). Arguments: {@code name=libpython:home:python...}. Exit status 0 only if
 * every target passed; a target that cannot run here is reported SKIPPED with the reason.
 */
public final class ConformanceMain {
    private ConformanceMain() {}

    public static void main(String[] args) {
        int failures = 0;
        for (String arg : args) {
            Target target = Target.parse(arg);
            if (target.unavailable().isPresent()) {
                System.out.println("SKIPPED conformance on " + target + ": " + target.unavailable().get());
                continue;
            }
            try {
                ConformanceSuite.run(target);
                System.out.println("PASS conformance on " + target);
            } catch (AssertionError | RuntimeException e) {
                System.out.println("FAIL conformance on " + target + ": " + e.getMessage());
                failures++;
            }
        }
        System.out.println(failures == 0 ? "conformance: all passed" : "conformance: " + failures + " FAILED");
        System.exit(failures == 0 ? 0 : 1);
    }
}
