package dev.tether.testing.conformance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Which of CPython's regression-test modules the suite runs, and how long each may take before it counts as hung. */
final class Selection {
    private Selection() {}

    /**
     * How long one module may run in one lane before the lane counts as hung. Generous: four interpreters share
     * two cores, and on a machine loaded by other builds the slowest (test_asyncio.test_tasks, ≈ 21 s alone) took
     * 180 s.
     */
    static final Duration MODULE_TIMEOUT = Duration.ofSeconds(240);
    /** The same, for the modules that take 20 s or more alone. */
    static final Duration SLOW_MODULE_TIMEOUT = Duration.ofSeconds(480);

    /** A module to run ({@code test_asyncio.test_tasks} style, below the {@code test} package). */
    record Module(String name, Duration timeout) {}

    /** The modules asked for, in order; {@code a|b} takes the first that exists (test_unicode became test_str). */
    private static final List<String> WANTED = List.of(
            "test_json", "test_decimal", "test_re", "test_str|test_unicode", "test_collections", "test_itertools",
            "test_functools", "test_datetime", "test_pickle", "test_weakref", "test_gc", "test_contextlib",
            "test_queue", "test_asyncio.test_tasks", "test_threading", "test_subprocess", "test_sqlite3");

    private static final List<String> SLOW = List.of("test_datetime", "test_asyncio.test_tasks", "test_subprocess");

    /** The modules of {@code target} to run. */
    static List<Module> modules(Target target) {
        List<Module> modules = new ArrayList<>();
        for (String wanted : WANTED) {
            find(target, wanted).ifPresent(name -> modules.add(new Module(name,
                    SLOW.contains(name) ? SLOW_MODULE_TIMEOUT : MODULE_TIMEOUT)));
        }
        return modules;
    }

    /** The modules asked for that {@code target} does not have (the table says so). */
    static List<String> absent(Target target) {
        return WANTED.stream().filter(w -> find(target, w).isEmpty()).toList();
    }

    private static Optional<String> find(Target target, String alternatives) {
        for (String name : alternatives.split("\\|")) {
            List<Path> roots = new ArrayList<>();
            roots.add(target.testDir());
            roots.addAll(target.extraDirs());
            for (Path root : roots) {
                Path base = root.resolve(name.replace('.', '/'));
                if (Files.isRegularFile(Path.of(base + ".py")) || Files.isRegularFile(base.resolve("__init__.py"))) {
                    return Optional.of(name);
                }
            }
        }
        return Optional.empty();
    }
}
