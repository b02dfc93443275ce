package dev.tether.cpython.forked;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A JVM started by a test, with its output in files (no pipe can fill up and stall it) and its crash log, if any, in
 * a known folder.
 */
public final class Forked {
    private final Process process;
    private final Path folder;
    private final String label;

    private Forked(Process process, Path folder, String label) {
        this.process = process;
        this.folder = folder;
        this.label = label;
    }

    /** What a finished JVM left. */
    public record Result(String label, int exitCode, String stdout, String stderr, List<Path> crashLogs) {
        /** For assertion messages. */
        public String describe() {
            return label + " exited with " + exitCode + "; crash logs " + crashLogs + "\n--- stdout\n" + stdout
                    + "--- stderr\n" + stderr;
        }

        /** The value of the last {@code key=value} line of stdout, or null. */
        public String value(String key) {
            String found = null;
            for (String line : stdout.split("\n")) {
                if (line.startsWith(key + "=")) {
                    found = line.substring(key.length() + 1);
                }
            }
            return found;
        }
    }

    /** This test JVM's class path as surefire built it (its own java.class.path may be a manifest-only jar). */
    public static List<String> testClassPath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.stream(cp.split(File.pathSeparator)).filter(s -> !s.isBlank()).toList();
    }

    /**
     * Starts {@code java <jvmOptions> <mainClass> <args>} in {@code folder} (which must exist), with no
     * {@code TETHER_*} variables in its environment and its crash log directed into {@code folder}.
     */
    public static Forked start(Path folder, String label, List<String> jvmOptions, String mainClass, String... args)
            throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow(() ->
                new IllegalStateException("cannot tell which java runs this test"));
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("-XX:ErrorFile=" + folder.resolve("hs_err_pid%p.log"));
        command.addAll(jvmOptions);
        command.add(mainClass);
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(folder.toFile())
                .redirectOutput(folder.resolve(label + ".out").toFile())
                .redirectError(folder.resolve(label + ".err").toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("TETHER_"));
        return new Forked(builder.start(), folder, label);
    }

    /** The process's standard output so far. */
    public String stdoutSoFar() throws IOException {
        return Files.readString(folder.resolve(label + ".out"));
    }

    /** Whether the process is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits for the exit until {@code deadline}; a JVM still running then is killed and reported as a hang.
     *
     * @throws AssertionError on a hang, carrying the output so far
     */
    public Result finish(Duration deadline) throws IOException, InterruptedException {
        if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(label + " did not finish within " + deadline + " and was killed\n"
                    + result(-1).describe());
        }
        return result(process.exitValue());
    }

    /** Kills the process if it is still running (for cleanup after a failure). */
    public void kill() {
        process.destroyForcibly();
    }

    private Result result(int exitCode) throws IOException {
        List<Path> crashLogs = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(folder, "hs_err_pid*.log")) {
            s.forEach(crashLogs::add);
        }
        return new Result(label, exitCode, Files.readString(folder.resolve(label + ".out")),
                Files.readString(folder.resolve(label + ".err")), crashLogs);
    }
}
