package dev.tether.testing.conformance;

import dev.tether.testing.PythonInstall;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A CPython build whose own regression tests the conformance suite runs: its libpython (embedded by Tether), its
 * standalone binary (the reference) and its {@code test} package.
 *
 * @param name      how reports name it ("3.11", "3.14")
 * @param library   libpython
 * @param home      its prefix
 * @param python    the standalone interpreter of the same build
 * @param extraDirs folders with test packages the distribution leaves out (Debian 12's testsuite package has no
 *                  {@code test_sqlite3}; {@code scripts/conformance-tests.sh} takes it from Debian's source package),
 *                  appended to {@code test.__path__}
 */
public record Target(String name, Path library, Path home, Path python, List<Path> extraDirs) {

    /** Debian 12's CPython 3.11 with {@code libpython3.11-testsuite}: what {@code .ci/run} installs. */
    public static Target debian311() {
        return of("3.11", Path.of("/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"), Path.of("/usr"),
                Path.of("/usr/bin/python3.11"));
    }

    /**
     * A target; extra test packages are looked for under {@code tether.test.conformance.extra} (default
     * {@code ~/.cache/tether/conformance}), in {@code python3.X/test}.
     */
    public static Target of(String name, Path library, Path home, Path python) {
        int minor = minorOf(name);
        String base = System.getProperty("tether.test.conformance.extra",
                Path.of(System.getProperty("user.home"), ".cache", "tether", "conformance").toString());
        List<Path> extra = new ArrayList<>();
        Path dir = Path.of(base, "python3." + minor, "test");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> entries = Files.list(dir)) {
                entries.filter(p -> p.getFileName().toString().startsWith("test_")).findAny()
                        .ifPresent(p -> extra.add(dir));
            } catch (IOException e) {
                // no extra tests then: the table says which modules are absent
            }
        }
        return new Target(name, library, home, python, List.copyOf(extra));
    }

    /** Parses {@code name=library:home:python} (the extended matrix's argument). */
    public static Target parse(String spec) {
        String[] nameAndPaths = spec.split("=", 2);
        String[] paths = nameAndPaths[1].split(":");
        if (paths.length != 3) {
            throw new IllegalArgumentException("expected name=library:home:python, got " + spec);
        }
        return of(nameAndPaths[0], Path.of(paths[0]), Path.of(paths[1]), Path.of(paths[2]));
    }

    /** The minor version (11 for "3.11"). */
    public int minor() {
        return minorOf(name);
    }

    /** The build's {@code test} package. */
    public Path testDir() {
        return home.resolve("lib/python3." + minor() + "/test");
    }

    /** Why this target cannot run here (what to install), or empty if it can. */
    public Optional<String> unavailable() {
        if (!Files.isRegularFile(library)) {
            return Optional.of(library + " is missing (apt-get install -y libpython3." + minor() + ")");
        }
        if (!Files.isExecutable(python)) {
            return Optional.of(python + " is missing (apt-get install -y python3." + minor() + ")");
        }
        if (!Files.isRegularFile(testDir().resolve("test_json/__init__.py"))) {
            return Optional.of("CPython's regression tests are missing: " + testDir().resolve("test_json")
                    + " (apt-get install -y libpython3." + minor() + "-testsuite)");
        }
        return Optional.empty();
    }

    /** How the scenario JVMs find this build. */
    public PythonInstall install() {
        return new PythonInstall(name, library, home);
    }

    /**
     * The standalone interpreter's options that give it the configuration Tether gives an embedded one by default
     * (F-EMBED-NO-SIGNALS): the environment ignored, no user site directory, UTF-8 mode; 3.14+ starts from the
     * isolated configuration (F-INITCONFIG-ISOLATED), which {@code -I} is.
     */
    public List<String> standaloneOptions() {
        return minor() >= 14 ? List.of("-I", "-X", "utf8") : List.of("-E", "-s", "-X", "utf8");
    }

    private static int minorOf(String name) {
        return Integer.parseInt(name.replaceAll("^3\\.(\\d+).*$", "$1"));
    }

    @Override
    public String toString() {
        return name;
    }
}
