package dev.tether.cpython;

import dev.tether.cpython.cache.Installer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.PythonDistribution.Location;
import dev.tether.cpython.forked.Forked;
import dev.tether.cpython.forked.LocateMain;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** First use under contention: threads of this JVM and other JVMs all locate on one empty cache at the same moment. */
class ConcurrentFirstUseTest {
    private static final int THREADS = 8;
    private static final int PROCESSES = 3;
    private static final Duration DEADLINE = Duration.ofMinutes(3);

    private record Timed(Location location, long millis) {}

    @Test
    void threadsAndProcessesRacingOnAnEmptyCacheAllGetTheSameCompleteTree(@TempDir Path dir) throws Exception {
        Path cache = Files.createDirectory(dir.resolve("cache"));
        Path go = dir.resolve("go");
        List<Forked> processes = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Timed> inJvm = new ArrayList<>();
        List<Forked.Result> forked = new ArrayList<>();
        Set<String> temporaries = ConcurrentHashMap.newKeySet();
        AtomicBoolean racing = new AtomicBoolean(true);
        Thread watcher = Thread.ofPlatform().name("cache-watcher").start(() -> watch(cache, temporaries, racing));
        try {
            // 1. the other JVMs: started first (they take longest to get going), each waits for the go file
            String classPath = String.join(File.pathSeparator, Forked.testClassPath());
            for (int i = 0; i < PROCESSES; i++) {
                processes.add(Forked.start(dir, "locate-" + i, List.of("-Dtether.cache.dir=" + cache, "-cp",
                        classPath), LocateMain.class.getName(), go.toString()));
            }
            awaitReady(processes);
            // 2. the threads: each with its own provider, as each ServiceLoader pass makes one
            CountDownLatch ready = new CountDownLatch(THREADS);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Timed>> futures = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                futures.add(pool.submit(() -> {
                    EmbeddedCPython cpython = new EmbeddedCPython(cache);
                    ready.countDown();
                    start.await();
                    long t0 = System.nanoTime();
                    Location location = cpython.locate();
                    return new Timed(location, (System.nanoTime() - t0) / 1_000_000);
                }));
            }
            assertTrue(ready.await(DEADLINE.toSeconds(), TimeUnit.SECONDS), "threads ready");
            // 3. go: everyone at once
            Files.createFile(go);
            start.countDown();
            for (Future<Timed> f : futures) {
                inJvm.add(f.get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
            }
            for (Forked p : processes) {
                forked.add(p.finish(DEADLINE));
            }
        } finally {
            racing.set(false);
            watcher.join();
            processes.forEach(Forked::kill);
            pool.shutdownNow();
        }

        Path home = cache.toRealPath().resolve(Trees.expectedName());
        Location expected = new Location(home.resolve("libpython3." + Trees.minor() + ".so.1.0"), home);
        for (Timed t : inJvm) {
            assertEquals(expected, t.location(), "a thread's location");
        }
        for (Forked.Result r : forked) {
            assertEquals(0, r.exitCode(), r.describe());
            assertTrue(r.crashLogs().isEmpty(), r.describe());
            assertEquals(expected.library().toString(), r.value("library"), r.describe());
            assertEquals(expected.home().toString(), r.value("home"), r.describe());
        }
        Trees.assertComplete(home);
        assertOneExtractionPerJvm(temporaries, home.getFileName() + ".tmp-");
        // the losers deleted their temporary trees: one tree and its lock file remain
        try (Stream<Path> list = Files.list(cache)) {
            Set<String> names = list.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
            assertEquals(Set.of(home.getFileName().toString(), home.getFileName() + ".lock"), names);
        }
        System.out.printf("first use: %d threads took %s ms; %d processes took %s ms%n", THREADS,
                inJvm.stream().map(t -> String.valueOf(t.millis())).toList(), PROCESSES,
                forked.stream().map(r -> r.value("millis")).toList());

        reuseWritesNothing(cache, home, expected);
    }

    /** Once complete, the tree is reused as it is, and quickly. */
    private static void reuseWritesNothing(Path cache, Path home, Location expected) throws Exception {
        FileTime marked = Files.getLastModifiedTime(home.resolve(Installer.MARKER));
        long t0 = System.nanoTime();
        EmbeddedCPython fresh = new EmbeddedCPython(cache);
        assertEquals(expected, fresh.locate());
        long firstMicros = (System.nanoTime() - t0) / 1000;
        int rounds = 200;
        long t1 = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            assertNotNull(fresh.locate());
        }
        long repeatMicros = (System.nanoTime() - t1) / 1000 / rounds;
        assertEquals(marked, Files.getLastModifiedTime(home.resolve(Installer.MARKER)), "tree left as it was");
        try (Stream<Path> list = Files.list(cache)) {
            assertEquals(2, list.count(), "no temporary folder appeared");
        }
        System.out.printf("cached: a new provider's first locate() %d us (reads the jar's directory); later calls"
                + " %d us each%n", firstMicros, repeatMicros);
    }

    /** Records the names of the temporary folders that appear in {@code cache} while {@code racing}. */
    private static void watch(Path cache, Set<String> seen, AtomicBoolean racing) {
        while (racing.get()) {
            try (Stream<Path> list = Files.list(cache)) {
                list.map(p -> p.getFileName().toString()).filter(n -> n.contains(".tmp-")).forEach(seen::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Temporary folders are named {@code <tree>.tmp-<pid>-<random>}: one name per pid means the threads of each JVM
     * extracted once. Extraction takes seconds, so the watcher cannot miss this JVM's folder.
     */
    private static void assertOneExtractionPerJvm(Set<String> temporaries, String prefix) {
        Map<String, List<String>> byPid = temporaries.stream().collect(Collectors.groupingBy(
                n -> n.substring(prefix.length(), n.indexOf('-', prefix.length()))));
        assertTrue(byPid.containsKey(String.valueOf(ProcessHandle.current().pid())),
                "this JVM's extraction was seen: " + temporaries);
        byPid.forEach((pid, names) -> assertEquals(1, names.size(), "extractions by pid " + pid + ": " + names));
        System.out.printf("extractions (one per JVM that took part): %s%n", byPid);
    }

    private static void awaitReady(List<Forked> processes) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        for (Forked p : processes) {
            while (!p.stdoutSoFar().contains("ready")) {
                if (!p.isAlive()) {
                    throw new AssertionError("a locating JVM died before the start:\n"
                            + p.finish(Duration.ZERO).describe());
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("a locating JVM did not get ready within " + DEADLINE);
                }
                Thread.sleep(10);
            }
        }
    }
}
