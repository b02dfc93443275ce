package dev.tether.testing.conformance;

import dev.tether.scenarios.ConformanceWorker;
import dev.tether.testing.Scenario;
import dev.tether.testing.Verdicts;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Runs a selection of CPython's own regression-test modules ({@link Selection}) in the standalone interpreter of a
 * build and, through Tether, in its main interpreter, in an isolated subinterpreter, and in both at once (two Java
 * threads), then compares every test's outcome with the standalone one. A difference must be listed with its
 * reason in {@code differences.txt}; one that is not is run a second time, and fails the suite if it happens again.
 * The table goes to {@code <tether.test.conformance.dir>/<version>/conformance.md} (docs/conformance.md has a copy).
 *
 * <p>All four processes run at once (two cores: the standalone interpreter shares the load the embedded ones have,
 * so timing-sensitive tests see similar conditions). A hung module is cut at its timeout, a dead process restarted
 * ({@link Worker}); the whole suite has a deadline.
 *
 * <p>Properties: {@code tether.test.conformance.modes} (comma-separated, of main, sub, concurrent; default all),
 * {@code tether.test.conformance.modules} (comma-separated module names to narrow the selection),
 * {@code tether.test.conformance.dir}.
 */
public final class ConformanceSuite {
    /** The whole suite's bound, hangs and second runs included: it must never hold CI up for long. */
    private static final Duration DEADLINE = Duration.ofMinutes(25);
    /** A second run of a few tests per module gets this long before it counts as hung. */
    private static final Duration RECHECK_TIMEOUT = Duration.ofSeconds(90);
    /** How often the orchestrator looks at the lanes' files. */
    private static final long POLL_MILLIS = 250;
    /** Fewer standalone tests than this means the selection did not load (the modules hold ≈ 6 000–7 000). */
    private static final long MINIMUM_TESTS = 3000;
    /** A heap for the embedded workers: Java does little there; CPython's memory is outside it. */
    private static final String WORKER_HEAP = "-Xmx512m";

    private ConformanceSuite() {}

    /**
     * Runs the suite on {@code target} (which must be {@link Target#unavailable() available}) and judges it.
     *
     * @throws AssertionError naming every unexplained difference, hang or crash
     */
    public static void run(Target target) {
        long started = System.nanoTime();
        try {
            Path root = freshDirectory(Path.of(System.getProperty("tether.test.conformance.dir",
                    "target/conformance"), target.name()).toAbsolutePath());
            Path runner = copyRunner(root);
            KnownDifferences known = KnownDifferences.load();
            List<Selection.Module> modules = narrowed(Selection.modules(target));
            List<String> modes = List.of(System.getProperty("tether.test.conformance.modes",
                    "main,sub,concurrent").split("\\s*,\\s*"));
            Round first = new Round(target, runner, root.resolve("run"), modules, Map.of(), modes, known);
            first.execute();
            Comparison comparison = Comparison.of(target.name(), first.standalone, first.embedded, known);
            recheck(target, runner, root, comparison, modes, known);
            List<String> problems = first.problems();
            problems.addAll(configurationProblems(first));
            long seconds = (System.nanoTime() - started) / 1_000_000_000L;
            String table = Report.markdown(new Report.Run(target, modules.stream().map(Selection.Module::name)
                    .toList(), first.standalone, first.embedded, comparison, known, problems, seconds));
            Files.writeString(root.resolve("conformance.md"), table);
            judge(target, comparison, problems, first, root, seconds);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Runs the unexplained differences a second time (each mode's tests, and the standalone ones). */
    private static void recheck(Target target, Path runner, Path root, Comparison comparison, List<String> modes,
                                KnownDifferences known) throws IOException, InterruptedException {
        Map<String, Map<String, List<String>>> plan = comparison.recheckPlan();
        if (plan.isEmpty()) {
            return;
        }
        Map<String, List<String>> union = new LinkedHashMap<>();
        plan.values().forEach(byModule -> byModule.forEach((module, ids) -> ids.forEach(id -> {
            List<String> list = union.computeIfAbsent(module, k -> new ArrayList<>());
            if (!list.contains(id)) {
                list.add(id);
            }
        })));
        List<Selection.Module> modules = union.keySet().stream()
                .map(m -> new Selection.Module(m, RECHECK_TIMEOUT)).toList();
        Round second = new Round(target, runner, root.resolve("recheck"), modules, union, modes, known);
        second.execute();
        Map<String, Lane> byMode = new LinkedHashMap<>();
        second.embedded.forEach(l -> byMode.put(l.mode, l));
        comparison.recheck(second.standalone, byMode);
    }

    /** The embedded interpreters must have the standalone one's configuration, or the comparison is unfair. */
    private static List<String> configurationProblems(Round round) {
        List<String> problems = new ArrayList<>();
        Object expected = round.standalone.header == null ? null : round.standalone.header.get("flags");
        for (Lane lane : round.embedded) {
            Object flags = lane.header == null ? null : lane.header.get("flags");
            if (expected != null && flags != null && !expected.equals(flags)) {
                problems.add(lane.mode + ": sys.flags " + flags + " differ from the standalone " + expected);
            }
        }
        return problems;
    }

    private static void judge(Target target, Comparison comparison, List<String> problems, Round first, Path root,
                              long seconds) {
        long tests = first.standalone.results.values().stream().mapToLong(Map::size).sum();
        long explained = count(comparison, Comparison.Verdict.EXPLAINED);
        long flaky = count(comparison, Comparison.Verdict.FLAKY);
        long unexplained = count(comparison, Comparison.Verdict.UNEXPLAINED);
        Verdicts.report(String.format("conformance CPython %-6s modules=%d tests=%d lanes=%d explained=%d flaky=%d"
                + " unexplained=%d problems=%d seconds=%d table=%s", target.name(), first.standalone.results.size(),
                tests, first.embedded.size(), explained, flaky, unexplained, problems.size(), seconds,
                root.resolve("conformance.md")));
        List<String> failures = new ArrayList<>(problems);
        comparison.differences.stream().filter(d -> d.verdict == Comparison.Verdict.UNEXPLAINED)
                .forEach(d -> failures.add(d.mode + " " + d.id + ": " + d.change() + " " + d.embedded.detail()
                        + " (" + d.note + ")"));
        if (tests < MINIMUM_TESTS) {
            failures.add("only " + tests + " tests ran standalone: the selection did not load");
        }
        if (!failures.isEmpty()) {
            throw new AssertionError("conformance on CPython " + target + ": " + failures.size() + " failure(s); see "
                    + root.resolve("conformance.md") + "\n  " + String.join("\n  ", failures.stream().limit(60)
                    .toList()));
        }
    }

    private static long count(Comparison c, Comparison.Verdict v) {
        return c.differences.stream().filter(d -> d.verdict == v).count();
    }

    private static List<Selection.Module> narrowed(List<Selection.Module> modules) {
        String only = System.getProperty("tether.test.conformance.modules", "");
        if (only.isBlank()) {
            return modules;
        }
        List<String> names = List.of(only.split("\\s*,\\s*"));
        return modules.stream().filter(m -> names.contains(m.name())).toList();
    }

    /**
     * One round: the standalone lane and the embedded lanes of the modes asked for, all processes at once.
     */
    private static final class Round {
        final Lane standalone;
        final List<Lane> embedded = new ArrayList<>();
        private final List<Worker> workers = new ArrayList<>();
        private final Map<String, Object> common = new LinkedHashMap<>();

        Round(Target target, Path runner, Path root, List<Selection.Module> modules, Map<String, List<String>> only,
              List<String> modes, KnownDifferences known) {
            common.put("executable", target.python().toString());
            common.put("extra_test_dirs", target.extraDirs().stream().map(Path::toString).toList());
            common.put("resources", List.of());
            String v = target.name();
            standalone = new Lane("standalone", "S", Lane.Kind.STANDALONE, root.resolve("standalone"), modules, only,
                    known.trimmed(v));
            workers.add(new Worker("standalone", root.resolve("standalone"), List.of(standalone),
                    lanes -> standaloneCommand(target, runner, lanes.getFirst()), Map.of()));
            if (modes.contains("main")) {
                embeddedWorker(target, runner, root, "main", List.of(new Lane("main", "m", Lane.Kind.MAIN,
                        root.resolve("main"), modules, only, known.excluded(v, "main"))));
            }
            if (modes.contains("sub")) {
                embeddedWorker(target, runner, root, "sub", List.of(new Lane("sub", "s", Lane.Kind.SUB,
                        root.resolve("sub"), modules, only, known.excluded(v, "sub"))));
            }
            if (modes.contains("concurrent")) {
                // The two lanes run the modules in opposite orders, so that different modules overlap.
                embeddedWorker(target, runner, root, "concurrent", List.of(
                        new Lane("concurrent-main", "cm", Lane.Kind.MAIN, root.resolve("concurrent-main"), modules,
                                only, known.excluded(v, "concurrent-main")),
                        new Lane("concurrent-sub", "cs", Lane.Kind.SUB, root.resolve("concurrent-sub"),
                                modules.reversed(), only, known.excluded(v, "concurrent-sub"))));
            }
        }

        private void embeddedWorker(Target target, Path runner, Path root, String name, List<Lane> lanes) {
            embedded.addAll(lanes);
            Worker[] self = new Worker[1];
            self[0] = new Worker("embedded-" + name, root.resolve(name), lanes,
                    active -> embeddedCommand(target, runner, self[0], active), Map.of());
            workers.add(self[0]);
        }

        /** Runs every worker to the end, or to the suite's deadline. */
        void execute() throws IOException, InterruptedException {
            for (Worker w : workers) {
                w.start(common);
            }
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            List<Worker> running = new ArrayList<>(workers);
            while (!running.isEmpty()) {
                Thread.sleep(POLL_MILLIS);
                long now = System.nanoTime();
                if (now > deadline) {
                    for (Worker w : running) {
                        w.kill();
                        w.problems.add(w.name + " was still running at the suite's deadline (" + DEADLINE + ")");
                        w.lanes.forEach(l -> l.abandon("the suite's deadline passed"));
                    }
                    return;
                }
                List<Worker> finished = new ArrayList<>();
                for (Worker w : running) {
                    if (!w.poll(common, now)) {
                        finished.add(w);
                    }
                }
                running.removeAll(finished);
            }
        }

        List<String> problems() {
            List<String> problems = new ArrayList<>();
            workers.forEach(w -> problems.addAll(w.problems));
            return problems;
        }
    }

    private static List<String> standaloneCommand(Target target, Path runner, Lane lane) {
        List<String> command = new ArrayList<>();
        command.add(target.python().toString());
        command.addAll(target.standaloneOptions());
        command.add(runner.toString());
        command.add(lane.dir().toString());
        return command;
    }

    private static List<String> embeddedCommand(Target target, Path runner, Worker worker, List<Lane> lanes) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-XX:ErrorFile=" + worker.crashLogPattern());
        command.add(WORKER_HEAP);
        command.addAll(target.install().jvmOptions());
        command.add("-cp");
        command.add(absoluteClassPath());
        command.add(Scenario.class.getName());
        command.add(ConformanceWorker.class.getName());
        command.add(runner.toString());
        for (Lane lane : lanes) {
            command.add((lane.kind == Lane.Kind.MAIN ? "main" : "sub") + "=" + lane.dir());
        }
        return command;
    }

    /** The class path with absolute entries: a worker runs in a folder of its own. */
    private static String absoluteClassPath() {
        return Stream.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .map(p -> Path.of(p).toAbsolutePath().toString())
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }

    private static Path copyRunner(Path root) throws IOException {
        try (InputStream in = ConformanceSuite.class.getResourceAsStream(
                "/dev/tether/conformance/conformance_runner.py")) {
            Path runner = root.resolve("conformance_runner.py");
            Files.write(runner, Objects.requireNonNull(in, "conformance_runner.py not on the class path")
                    .readAllBytes());
            return runner;
        }
    }

    private static Path freshDirectory(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        return Files.createDirectories(dir);
    }
}
