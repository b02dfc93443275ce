package dev.tether.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Shared judgements on scenario outcomes, for the JUnit tests and the extended-matrix runner alike. Each throws an
 * {@link AssertionError} describing the outcome when it fails.
 */
public final class Verdicts {
    private Verdicts() {}

    /** The JVM ended by itself with status 0 and left no crash log. */
    public static void clean(Outcome o) {
        if (!o.clean()) {
            throw new AssertionError(o.describe());
        }
    }

    /**
     * A storm: clean, every attempt accounted for as completed or refused with FINALIZING/CLOSED, nothing
     * unexpected, every thread ended.
     */
    public static void storm(Outcome o) {
        clean(o);
        long accounted = o.count("completed") + o.count("refusedFinalizing") + o.count("refusedClosed");
        require(o.count("attempts") > 0, "no attempts", o);
        require(o.count("attempts") == accounted, "attempts " + o.count("attempts") + " != completed + refused "
                + accounted + " (an attempt was lost)", o);
        require(o.count("unexpected") == 0 && o.count("pythonExceptions") == 0, "unexpected outcomes", o);
        require(o.count("threadsEnded") == o.count("threads"), "threads did not all end", o);
        require(o.count("completed") > 0, "nothing completed before the close", o);
    }

    /** Fails with the outcome's description unless {@code condition} holds. */
    public static void require(boolean condition, String message, Outcome o) {
        if (!condition) {
            throw new AssertionError(message + "\n" + o.describe());
        }
    }

    /** Appends a line to {@code target/stress-report.txt} (figures for the closing note). */
    public static void report(String line) {
        try {
            Path file = Path.of("target", "stress-report.txt");
            Files.createDirectories(file.getParent());
            Files.writeString(file, line + System.lineSeparator(), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("cannot write the stress report: " + e);
        }
        System.out.println(line);
    }

    /** Sums a counter over outcomes. */
    public static long sum(List<Outcome> outcomes, String counter) {
        return outcomes.stream().mapToLong(o -> o.count(counter)).sum();
    }
}
