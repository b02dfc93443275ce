package dev.tether.numpy.forked;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A JVM started by a test, its output in files (no pipe can fill up and stall it), its crash log in its folder, and
 * no {@code TETHER_*} variables in its environment (so nothing but discovery finds CPython).
 */
public final class Launch {
    private final Process process;
    private final Path folder;
    private final String label;

    private Launch(Process process, Path folder, String label) {
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

    /** Starts {@code java <jvmOptions> <mainClass>} in {@code folder}. */
    public static Launch start(Path folder, String label, List<String> jvmOptions, String mainClass)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:ErrorFile=" + folder.resolve(label + "-hs_err_pid%p.log"));
        command.addAll(jvmOptions);
        command.add(mainClass);
        ProcessBuilder builder = new ProcessBuilder(command).directory(folder.toFile())
                .redirectOutput(folder.resolve(label + ".out").toFile())
                .redirectError(folder.resolve(label + ".err").toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("TETHER_"));
        return new Launch(builder.start(), folder, label);
    }

    /** Waits until {@code deadline}; a JVM still running then is killed and reported as a hang. */
    public Result finish(Duration deadline) throws IOException, InterruptedException {
        if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(label + " did not finish within " + deadline + " and was killed\n"
                    + result(-1).describe());
        }
        return result(process.exitValue());
    }

    private Result result(int exitCode) throws IOException {
        List<Path> crashLogs = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(folder, label + "-hs_err_pid*.log")) {
            s.forEach(crashLogs::add);
        }
        return new Result(label, exitCode, Files.readString(folder.resolve(label + ".out")),
                Files.readString(folder.resolve(label + ".err")), crashLogs);
    }
}
