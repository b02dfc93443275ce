package dev.tether.testing.conformance;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One interpreter's sequence of test modules (the standalone interpreter, the main interpreter or a
 * subinterpreter), followed across the attempts of its {@link Worker}: a lane whose process hung or died resumes in
 * a new process with the modules it had left, the test that hung or crashed excluded and recorded as such.
 *
 * <p>Not thread-safe: one orchestrating thread polls every lane.
 */
final class Lane {
    /** Which interpreter runs the lane. */
    enum Kind { STANDALONE, MAIN, SUB }

    /** One test's outcome: pass, fail, error, skip, xfail, xpass (from the runner), timeout, crash, or missing. */
    record Result(String outcome, String detail) {}

    /** A module that hung or crashed this many times is given up (recorded as a whole). */
    private static final int MAX_FAILURES_PER_MODULE = 3;

    final String mode;
    final String tag;
    final Kind kind;
    private final Path root;
    private final Deque<Selection.Module> remaining;
    private final Map<String, List<String>> only;
    private final List<String> excludePatterns;
    private final Set<String> excluded = new LinkedHashSet<>();
    private final Map<String, Integer> failures = new HashMap<>();
    /** Module → test id → outcome, in the order modules finished. */
    final Map<String, Map<String, Result>> results = new LinkedHashMap<>();
    /** Module → seconds its last complete run took. */
    final Map<String, Double> seconds = new LinkedHashMap<>();
    /** What happened to the lane besides test outcomes (hangs, crashes), for the report. */
    final List<String> notes = new ArrayList<>();
    /** The runner's header of the first attempt: version, sys.flags, executable, whether on the main thread. */
    Map<String, Object> header;

    // ---- the current attempt (reset by begin) ----
    private Path dir;
    private long progressRead;
    private long resultsRead;
    private Selection.Module current;
    private long currentSince;
    private String lastTest;
    private boolean done;

    /**
     * @param mode    the lane's name in reports ("standalone", "main", "sub", "concurrent-main", "concurrent-sub")
     * @param tag     the runner's TESTFN tag: distinct for interpreters of one process
     * @param root    this lane's folder (one subfolder per attempt)
     * @param modules what to run, in order
     * @param only    for each module listed, the only test ids to run (a recheck); empty to run everything
     * @param excludePatterns test-id globs not to run in this lane (they hang or crash it; differences.txt)
     */
    Lane(String mode, String tag, Kind kind, Path root, List<Selection.Module> modules,
         Map<String, List<String>> only, List<String> excludePatterns) {
        this.mode = mode;
        this.tag = tag;
        this.kind = kind;
        this.root = root;
        this.remaining = new ArrayDeque<>(modules);
        this.only = only;
        this.excludePatterns = excludePatterns;
    }

    /** Whether every module has a result. */
    boolean finished() {
        return remaining.isEmpty();
    }

    /** Whether the current attempt's runner has written its last line. */
    boolean doneThisAttempt() {
        return done;
    }

    /** Whether the current attempt's runner has written anything yet (a module started). */
    boolean started() {
        return progressRead > 0;
    }

    /** The current attempt's folder (the runner's argument). */
    Path dir() {
        return dir;
    }

    /**
     * Prepares attempt {@code attempt}: a fresh folder with a plan of what remains, a working directory and a
     * temporary directory of its own.
     */
    void begin(int attempt, Map<String, Object> common) throws IOException {
        dir = root.resolve("attempt-" + attempt);
        Path work = Files.createDirectories(dir.resolve("work"));
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Map<String, Object> plan = new LinkedHashMap<>(common);
        plan.put("tag", tag);
        plan.put("modules", remaining.stream().map(Selection.Module::name).toList());
        plan.put("exclude", List.copyOf(excluded));
        plan.put("only", only);
        plan.put("exclude_patterns", excludePatterns);
        plan.put("workdir", work.toString());
        plan.put("tmpdir", tmp.toString());
        Files.writeString(dir.resolve("plan.json"), Json.write(plan));
        progressRead = 0;
        resultsRead = 0;
        current = null;
        lastTest = null;
        done = false;
    }

    /** Reads what the runner has written since the last poll. */
    @SuppressWarnings("unchecked")
    void poll(long nanos) throws IOException {
        for (String line : newLines(dir.resolve("progress.txt"), true)) {
            if (line.startsWith("module ")) {
                String name = line.substring(7);
                current = remaining.stream().filter(m -> m.name().equals(name)).findFirst().orElse(null);
                currentSince = nanos;
                lastTest = null;
            } else if (line.startsWith("test ")) {
                lastTest = line.substring(5);
            } else if (line.equals("done")) {
                done = true;
                current = null;
            }
        }
        for (String line : newLines(dir.resolve("results.jsonl"), false)) {
            Map<String, Object> record = (Map<String, Object>) Json.parse(line);
            if ("header".equals(record.get("kind"))) {
                if (header == null) {
                    header = record;
                }
                continue;
            }
            String module = (String) record.get("module");
            Map<String, Result> tests = results.computeIfAbsent(module, k -> new LinkedHashMap<>());
            ((Map<String, List<Object>>) record.get("tests")).forEach((id, r) ->
                    tests.put(id, new Result((String) r.get(0), (String) r.get(1))));
            seconds.put(module, ((Number) record.get("seconds")).doubleValue());
            remaining.removeIf(m -> m.name().equals(module));
            if (current != null && current.name().equals(module)) {
                current = null;
            }
        }
    }

    /** Whether the module running now has run past its timeout. */
    boolean overdue(long nanos) {
        return current != null && nanos - currentSince > current.timeout().toNanos();
    }

    /** The module and test running now, for reports. */
    String position() {
        return current == null ? "between modules" : current.name() + (lastTest == null ? "" : " at " + lastTest);
    }

    /**
     * Records that the current attempt ended while a module was running ({@code outcome} "timeout" or "crash"):
     * the test running then is recorded with that outcome and excluded from the next attempt; a module that failed
     * so before any test started, or too often, is recorded as a whole and dropped.
     */
    void interrupted(String outcome, String detail) {
        if (current == null) {
            return;
        }
        String module = current.name();
        notes.add(outcome + " in " + position() + ": " + detail);
        Map<String, Result> tests = results.computeIfAbsent(module, k -> new LinkedHashMap<>());
        int count = failures.merge(module, 1, Integer::sum);
        if (lastTest != null && count < MAX_FAILURES_PER_MODULE) {
            tests.put(lastTest, new Result(outcome, detail));
            excluded.add(lastTest);
        } else {
            tests.put(module, new Result(outcome, detail + (lastTest == null ? "" : " (gave up at " + lastTest + ")")));
            remaining.removeIf(m -> m.name().equals(module));
        }
        current = null;
    }

    /** Gives up the modules left (the worker cannot run any more attempts). */
    void abandon(String why) {
        for (Selection.Module m : remaining) {
            results.computeIfAbsent(m.name(), k -> new LinkedHashMap<>()).put(m.name(), new Result("missing", why));
        }
        notes.add("abandoned " + remaining.size() + " module(s): " + why);
        remaining.clear();
    }

    /** Complete lines appended to {@code file} since the last read (the progress file's last line may be partial). */
    private List<String> newLines(Path file, boolean progress) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        long offset = progress ? progressRead : resultsRead;
        byte[] bytes;
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            if (length <= offset) {
                return List.of();
            }
            bytes = new byte[(int) (length - offset)];
            in.seek(offset);
            in.readFully(bytes);
        }
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') {
            end--;
        }
        if (progress) {
            progressRead += end;
        } else {
            resultsRead += end;
        }
        String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
        return text.isEmpty() ? List.of() : List.of(text.split("\n"));
    }
}
