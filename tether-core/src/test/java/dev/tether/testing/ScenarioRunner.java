package dev.tether.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs a {@link Scenario} in a fresh JVM on one CPython build and collects its {@link Outcome}: exit status, crash
 * logs ({@code hs_err_pid*.log}, written into a fresh working directory), whether it hung past its deadline, and its
 * counters.
 */
public final class ScenarioRunner {
    private ScenarioRunner() {}

    /** Runs {@code scenario} with {@code args} under {@code deadline}. */
    public static Outcome run(PythonInstall python, Class<? extends Scenario> scenario, Duration deadline,
                              String... args) {
        return run(python, scenario, deadline, Map.of(), List.of(), args);
    }

    /**
     * Runs {@code scenario} with extra environment variables and JVM options.
     *
     * @param environment variables added to (or, for an empty value, removed from) the child's environment
     */
    public static Outcome run(PythonInstall python, Class<? extends Scenario> scenario, Duration deadline,
                              Map<String, String> environment, List<String> jvmOptions, String... args) {
        try {
            Path workDir = Files.createTempDirectory("tether-scenario-");
            List<String> command = new ArrayList<>();
            command.add(javaExecutable());
            command.add("--enable-native-access=ALL-UNNAMED");
            command.add("-XX:ErrorFile=" + workDir.resolve("hs_err_pid%p.log"));
            command.add("-Xss2m");
            command.addAll(python.jvmOptions());
            command.addAll(jvmOptions);
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(Scenario.class.getName());
            command.add(scenario.getName());
            command.addAll(List.of(args));
            ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
            environment.forEach((k, v) -> {
                if (v.isEmpty()) {
                    builder.environment().remove(k);
                } else {
                    builder.environment().put(k, v);
                }
            });
            Process process = builder.start();
            StringBuilder output = new StringBuilder();
            Thread reader = Thread.ofPlatform().daemon().start(() -> drain(process.getInputStream(), output));
            boolean finished = process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                output.append("\n[runner] deadline ").append(deadline).append(" passed; thread dump follows\n");
                dumpThreads(process, output);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            reader.join(5000);
            String text;
            synchronized (output) {
                text = output.toString();
            }
            List<Path> crashLogs;
            try (Stream<Path> files = Files.list(workDir)) {
                crashLogs = files.filter(p -> p.getFileName().toString().startsWith("hs_err_pid")).toList();
            }
            for (Path log : crashLogs) {
                text += "\n--- " + log + " (head) ---\n" + String.join("\n",
                        Files.readAllLines(log).stream().limit(60).toList());
            }
            String label = scenario.getSimpleName() + (args.length == 0 ? "" : " " + String.join(" ", args));
            return new Outcome(label, python, finished ? process.exitValue() : -1, !finished, crashLogs,
                    counters(text), text);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a scenario JVM", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running a scenario", e);
        }
    }

    /** Appends a thread dump of the hung JVM to its output, so a hang can be diagnosed from the report. */
    private static void dumpThreads(Process process, StringBuilder output) throws InterruptedException {
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(process.pid()), "Thread.print").redirectErrorStream(true).start();
            String dump = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jcmd.waitFor(20, TimeUnit.SECONDS);
            synchronized (output) {
                output.append(dump);
            }
        } catch (IOException e) {
            // best effort: the timeout itself is the verdict
        }
    }

    private static Map<String, Long> counters(String output) {
        Map<String, Long> counters = new HashMap<>();
        for (String line : output.split("\n")) {
            if (line.startsWith("@count ")) {
                String[] kv = line.substring(7).trim().split("=", 2);
                counters.merge(kv[0], Long.parseLong(kv[1].trim()), Long::sum);
            }
        }
        return counters;
    }

    private static void drain(InputStream in, StringBuilder sink) {
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = in.read(buffer)) > 0) {
                synchronized (sink) {
                    sink.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            synchronized (sink) {
                sink.append("\n[runner] output read failed: ").append(e);
            }
        }
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
