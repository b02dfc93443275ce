package dev.tether.testing;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a scenario JVM did.
 *
 * @param scenario  the scenario class and arguments
 * @param python    the build it ran on
 * @param exitCode  its exit status (-1 if it was killed at the deadline)
 * @param timedOut  whether it missed its deadline (a hang)
 * @param crashLogs {@code hs_err_pid*.log} files it left (a JVM crash)
 * @param counters  the {@code @count} lines it printed, summed per name
 * @param output    stdout and stderr, interleaved as read
 */
public record Outcome(String scenario, PythonInstall python, int exitCode, boolean timedOut, List<Path> crashLogs,
                      Map<String, Long> counters, String output) {

    /** A counter, 0 if never printed. */
    public long count(String name) {
        return counters.getOrDefault(name, 0L);
    }

    /** Whether the JVM ended by itself, with status 0 and no crash log. */
    public boolean clean() {
        return !timedOut && exitCode == 0 && crashLogs.isEmpty();
    }

    /** A short description for assertion messages: what ran, how it ended, and the tail of its output. */
    public String describe() {
        String tail = output.length() > 6000 ? "..." + output.substring(output.length() - 6000) : output;
        return scenario + " on CPython " + python + ": exit " + exitCode + (timedOut ? " (TIMED OUT: hang)" : "")
                + (crashLogs.isEmpty() ? "" : " CRASH LOGS " + crashLogs) + "\ncounters " + counters
                + "\n--- output ---\n" + tail;
    }
}
