package dev.tether.testing;

/**
 * Thrown by a suite that cannot run on a build, with the reason (a package that is not installed for it): JUnit
 * reports the suite as skipped with that reason, the extended matrix prints {@code SKIPPED}. Never a silent pass.
 */
public final class Skipped extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Skipped(String reason) {
        super(reason);
    }
}
