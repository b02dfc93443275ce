package dev.tether.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A CPython build the tests run on.
 *
 * @param name    how reports name it ("3.9", "3.15d")
 * @param library libpython
 * @param home    its prefix, or null to let Tether derive it
 */
public record PythonInstall(String name, Path library, Path home) {

    /**
     * The builds to test: the Maven Central matrix unpacked under {@code tether.test.cpython.dir} (one folder per
     * minor version), narrowed by {@code tether.test.versions} (comma-separated names; empty for all), plus any
     * given as {@code tether.test.pythons=name=library[:home],...} (the extended matrix).
     */
    public static List<PythonInstall> configured() {
        List<PythonInstall> result = new ArrayList<>();
        String dir = System.getProperty("tether.test.cpython.dir", "");
        if (!dir.isBlank() && Files.isDirectory(Path.of(dir))) {
            for (int minor = 9; minor <= 15; minor++) {
                Path home = Path.of(dir, "3." + minor, "org/bytedeco/cpython/linux-x86_64");
                Path library = home.resolve("libpython3." + minor + ".so.1.0");
                if (Files.isRegularFile(library)) {
                    makeInterpreterExecutable(home.resolve("bin/python3." + minor));
                    result.add(new PythonInstall("3." + minor, library, home));
                }
            }
        }
        String extra = System.getProperty("tether.test.pythons", "");
        for (String entry : extra.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] nameAndPaths = entry.split("=", 2);
            String[] paths = nameAndPaths[1].split(":");
            result.add(new PythonInstall(nameAndPaths[0].trim(), Path.of(paths[0]),
                    paths.length > 1 ? Path.of(paths[1]) : null));
        }
        String only = System.getProperty("tether.test.versions", "");
        if (!only.isBlank()) {
            List<String> wanted = List.of(only.split("\\s*,\\s*"));
            result.removeIf(p -> !wanted.contains(p.name()));
        }
        if (result.isEmpty()) {
            throw new IllegalStateException("No CPython to test: set tether.test.cpython.dir (mvn does) or"
                    + " tether.test.pythons; tether.test.versions=" + only);
        }
        return result;
    }

    /**
     * The distribution's own CPython, where one is installed (Debian's {@code libpython3.X} with home {@code /usr}):
     * named {@code 3.X-debian}. The suites meant for real installations (packages, virtual environments) run on it
     * as well. {@code tether.test.system=false} leaves it out, and so does {@code tether.test.versions} unless it
     * names it.
     */
    public static List<PythonInstall> system() {
        List<PythonInstall> result = new ArrayList<>();
        if ("false".equals(System.getProperty("tether.test.system"))) {
            return result;
        }
        for (int minor = 9; minor <= 15; minor++) {
            Path library = Path.of("/usr/lib/x86_64-linux-gnu/libpython3." + minor + ".so.1.0");
            if (Files.isRegularFile(library) && Files.isRegularFile(Path.of("/usr/lib/python3." + minor, "os.py"))) {
                result.add(new PythonInstall("3." + minor + "-debian", library, Path.of("/usr")));
            }
        }
        String only = System.getProperty("tether.test.versions", "");
        if (!only.isBlank()) {
            List<String> wanted = List.of(only.split("\\s*,\\s*"));
            result.removeIf(p -> !wanted.contains(p.name()));
        }
        return result;
    }

    /**
     * The matrix trees are unpacked from jars, whose entries carry no permissions: the interpreter binary (which
     * {@code sys.executable} names, and which the process and venv suites start) is made executable, as an
     * installation's is.
     */
    private static void makeInterpreterExecutable(Path binary) {
        if (Files.isRegularFile(binary) && !Files.isExecutable(binary)) {
            binary.toFile().setExecutable(true, false);
        }
    }

    /** JVM options that make {@code PythonRuntime.start()} pick this build. */
    public List<String> jvmOptions() {
        List<String> options = new ArrayList<>();
        options.add("-Dtether.python.library=" + library);
        if (home != null) {
            options.add("-Dtether.python.home=" + home);
        }
        return options;
    }

    /** The minor version (15 for "3.15d"). */
    public int minor() {
        return Integer.parseInt(name.replaceAll("^3\\.(\\d+).*$", "$1"));
    }

    @Override
    public String toString() {
        return name;
    }
}
