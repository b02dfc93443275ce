package dev.tether.testing.conformance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A process that runs one or more {@link Lane}s: the standalone interpreter (one lane) or a JVM embedding CPython
 * through Tether (a lane in the main interpreter, in a subinterpreter, or one of each at once). It is restarted
 * when it hangs (a lane's module past its timeout) or dies before its lanes finished, with what they had left.
 *
 * <p>Not thread-safe: one orchestrating thread polls every worker.
 */
final class Worker {
    /** Attempts before the lanes' remaining modules are given up: bounds a worker that keeps dying. */
    private static final int MAX_ATTEMPTS = 8;
    /** How long a process may take to exit once its lanes are done (an embedded one closes its interpreters). */
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(60);

    final String name;
    final List<Lane> lanes;
    private final Path root;
    private final Function<List<Lane>, List<String>> command;
    private final Map<String, String> environment;
    /** What went wrong outside any test (an exit status after the lanes finished, a hang at exit). */
    final List<String> problems = new ArrayList<>();
    private Process process;
    private Path log;
    private int attempt;
    private long allDoneSince = -1;

    /**
     * @param command     the process's command line for the lanes of an attempt (their folders are ready)
     * @param environment added to the process's environment
     */
    Worker(String name, Path root, List<Lane> lanes, Function<List<Lane>, List<String>> command,
           Map<String, String> environment) {
        this.name = name;
        this.root = root;
        this.lanes = lanes;
        this.command = command;
        this.environment = environment;
    }

    /** Starts the next attempt with the lanes that have modules left. */
    void start(Map<String, Object> common) throws IOException {
        attempt++;
        List<Lane> active = active();
        for (Lane lane : active) {
            lane.begin(attempt, common);
        }
        Files.createDirectories(root);
        log = root.resolve(name + "-attempt-" + attempt + ".log");
        ProcessBuilder builder = new ProcessBuilder(command.apply(active))
                .directory(active.getFirst().dir().resolve("work").toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        builder.environment().put("TMPDIR", active.getFirst().dir().resolve("tmp").toString());
        process = builder.start();
        allDoneSince = -1;
    }

    /**
     * Polls the lanes; restarts the process when it hung or died before they finished.
     *
     * @return whether the worker still has work (false once every lane finished and the process ended)
     */
    boolean poll(Map<String, Object> common, long nanos) throws IOException, InterruptedException {
        List<Lane> active = active();
        for (Lane lane : active) {
            lane.poll(nanos);
        }
        if (process.isAlive()) {
            for (Lane lane : active) {
                if (lane.overdue(nanos)) {
                    String dump = threadDump();
                    kill();
                    lane.interrupted("timeout", "no result within the module's timeout; log " + log + dump);
                    return restart(common);
                }
            }
            if (active.stream().allMatch(Lane::doneThisAttempt)) {
                if (allDoneSince < 0) {
                    allDoneSince = nanos;
                } else if (nanos - allDoneSince > EXIT_TIMEOUT.toNanos()) {
                    problems.add(name + " did not exit within " + EXIT_TIMEOUT + " after its lanes finished"
                            + " (attempt " + attempt + ", log " + log + ")" + threadDump());
                    kill();
                    return restart(common);
                }
            }
            return true;
        }
        for (Lane lane : active) {
            lane.poll(nanos);
        }
        int status = process.exitValue();
        if (active.isEmpty()) {
            if (status != 0) {
                problems.add(name + " exited with status " + status + " after its lanes finished" + crashLogs()
                        + "; log " + log + tail());
            }
            return false;
        }
        boolean allDone = active.stream().allMatch(Lane::doneThisAttempt);
        if (active.stream().noneMatch(Lane::started)) {
            // It died before running anything: starting again would fail the same way.
            problems.add(name + " died before running a test (exit status " + status + ")" + crashLogs()
                    + "; log " + log + tail());
            active.forEach(l -> l.abandon(name + " could not start"));
            return false;
        }
        if (!allDone) {
            String why = "the process died (exit status " + status + ")" + crashLogs() + "; log " + log;
            for (Lane lane : active) {
                if (!lane.doneThisAttempt()) {
                    lane.interrupted("crash", why);
                }
            }
        } else if (status != 0) {
            problems.add(name + " exited with status " + status + " after its lanes finished" + crashLogs()
                    + "; log " + log + tail());
        }
        return restart(common);
    }

    /** Kills the process (and its children: subprocess tests start some) at the global deadline. */
    void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private boolean restart(Map<String, Object> common) throws IOException {
        if (active().isEmpty()) {
            return false;
        }
        if (attempt >= MAX_ATTEMPTS) {
            for (Lane lane : active()) {
                lane.abandon(name + " failed " + MAX_ATTEMPTS + " times");
            }
            return false;
        }
        start(common);
        return true;
    }

    private List<Lane> active() {
        return lanes.stream().filter(l -> !l.finished()).toList();
    }

    /** A thread dump of an embedded worker (jcmd), appended to its log; empty for a standalone interpreter. */
    private String threadDump() {
        if (!name.startsWith("embedded")) {
            return "";
        }
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(process.pid()), "Thread.print").redirectErrorStream(true).start();
            String dump = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jcmd.waitFor(20, TimeUnit.SECONDS);
            Files.writeString(log, "\n[conformance] thread dump before the kill\n" + dump,
                    java.nio.file.StandardOpenOption.APPEND);
            return " (thread dump in the log)";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /**
     * The JVM's crash log of this attempt (written where {@link #crashLogPattern} says), with its problematic
     * frame; or CPython's "Fatal Python error" line from the log.
     */
    private String crashLogs() throws IOException {
        Path crashLog = root.resolve("hs_err_pid" + process.pid() + ".log");
        if (Files.exists(crashLog)) {
            List<String> lines = Files.readAllLines(crashLog, StandardCharsets.ISO_8859_1);
            int at = lines.indexOf("# Problematic frame:");
            String frame = at >= 0 && at + 1 < lines.size() ? lines.get(at + 1).replaceFirst("^#\\s*", "") : "?";
            String signal = lines.stream().filter(l -> l.matches("#\\s+SIG\\w+ .*")).findFirst()
                    .map(l -> l.replaceFirst("^#\\s*", "").replaceFirst(" at pc=.*", "")).orElse("");
            return ": " + signal + " in " + frame + "; JVM crash log " + crashLog;
        }
        return Files.readAllLines(log, StandardCharsets.ISO_8859_1).stream()
                .filter(l -> l.startsWith("Fatal Python error")).findFirst().map(l -> ": " + l).orElse("");
    }

    /** Where an embedded worker's JVM writes its crash log ({@code -XX:ErrorFile}). */
    String crashLogPattern() {
        return root.resolve("hs_err_pid%p.log").toString();
    }

    private String tail() throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
        return "\n    " + String.join("\n    ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
    }
}
