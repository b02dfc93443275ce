package dev.tether.internal.runtime;

import dev.tether.PythonDistribution;
import dev.tether.internal.protocol.Failures;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the libpython and home to start, in this order: the builder's values, the system properties
 * {@code tether.python.library}/{@code tether.python.home}, the environment variables
 * {@code TETHER_PYTHON_LIBRARY}/{@code TETHER_PYTHON_HOME}, then the {@link PythonDistribution} services on the
 * class or module path (tether-cpython). Fails listing everything it tried.
 */
final class Discovery {
    private static final Pattern MINOR = Pattern.compile("libpython3\\.(\\d+)");

    /** A resolved installation and where it came from. */
    record Found(Path library, Path home, String source) {}

    private Discovery() {}

    /**
     * Resolves the installation; with a virtual environment and no library or home in the builder, its base
     * installation comes second (a venv names the CPython it was made with).
     */
    static Found resolve(RuntimeConfig config, VirtualEnvironment venv) {
        List<String> tried = new ArrayList<>();
        Optional<Found> found = explicit(config.library(), config.home(), "PythonRuntime.Builder", tried)
                .or(() -> venvBase(venv, tried))
                .or(() -> explicit(path(System.getProperty("tether.python.library")),
                        path(System.getProperty("tether.python.home")),
                        "system properties tether.python.library/tether.python.home", tried))
                .or(() -> explicit(path(System.getenv("TETHER_PYTHON_LIBRARY")),
                        path(System.getenv("TETHER_PYTHON_HOME")),
                        "environment TETHER_PYTHON_LIBRARY/TETHER_PYTHON_HOME", tried))
                .or(() -> distributions(tried));
        return found.orElseThrow(() -> Failures.noPythonFound(tried));
    }

    /** The minor version a library's file name announces (libpython3.14.so.1.0 -> 14), or -1. */
    static int minorFromName(Path library) {
        Matcher m = MINOR.matcher(library.getFileName().toString());
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** The standard library folder of {@code home} for 3.{@code minor}. */
    static Path stdlib(Path home, int minor) {
        return home.resolve("lib").resolve("python3." + minor);
    }

    private static Optional<Found> explicit(Path library, Path home, String source, List<String> tried) {
        if (library == null && home == null) {
            tried.add(source + ": not set");
            return Optional.empty();
        }
        Path lib = library != null ? library : findLibrary(home);
        if (lib == null) {
            throw Failures.homeWithoutLibrary(source, home);
        }
        if (!Files.isRegularFile(lib)) {
            throw Failures.libraryNotReadable(source, lib);
        }
        Path h = home != null ? home : deriveHome(lib);
        if (h == null) {
            throw Failures.noHomeNearLibrary(source, lib);
        }
        tried.add(source + ": " + lib);
        return Optional.of(new Found(lib.toAbsolutePath(), h.toAbsolutePath(), source));
    }

    private static Optional<Found> venvBase(VirtualEnvironment venv, List<String> tried) {
        if (venv == null || venv.basePrefix() == null) {
            return Optional.empty();
        }
        String source = "the base installation of virtual environment " + venv.root();
        Path lib = findLibrary(venv.basePrefix(), venv.minor(), venv.abiFlags());
        if (lib == null) {
            tried.add(source + ": no libpython3." + venv.minor() + " in " + venv.basePrefix() + "/lib*");
            return Optional.empty();
        }
        tried.add(source + ": " + lib);
        return Optional.of(new Found(lib.toAbsolutePath(), venv.basePrefix(), source));
    }

    /**
     * {@code libpython3.X<abiFlags>.so.1.0} (else any {@code libpython3.X*.so*}) in {@code prefix},
     * {@code prefix/lib} or a multiarch folder {@code prefix/lib/*-linux-gnu} (Debian's layout), or null.
     */
    static Path findLibrary(Path prefix, int minor, String abiFlags) {
        List<Path> dirs = new ArrayList<>(List.of(prefix, prefix.resolve("lib")));
        try (DirectoryStream<Path> s = Files.newDirectoryStream(prefix.resolve("lib"), "*-linux-gnu")) {
            s.forEach(dirs::add);
        } catch (IOException e) {
            // no lib folder: nothing to add
        }
        for (String glob : List.of("libpython3." + minor + abiFlags + ".so.1.0", "libpython3." + minor + "*.so*")) {
            for (Path dir : dirs) {
                try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, glob)) {
                    for (Path p : s) {
                        return p;
                    }
                } catch (IOException e) {
                    // a missing or unreadable folder holds no library
                }
            }
        }
        return null;
    }

    private static Optional<Found> distributions(List<String> tried) {
        boolean any = false;
        var providers = ServiceLoader.load(PythonDistribution.class).iterator();
        while (true) {
            PythonDistribution d;
            try {
                if (!providers.hasNext()) {
                    break;
                }
                d = providers.next();
            } catch (ServiceConfigurationError e) {
                tried.add("a PythonDistribution service that could not be loaded (" + e.getMessage() + ")");
                continue;
            }
            any = true;
            try {
                PythonDistribution.Location location = d.locate();
                if (!Files.isRegularFile(location.library())) {
                    tried.add(d.description() + ": its library " + location.library() + " is not a readable file");
                    continue;
                }
                tried.add(d.description() + ": " + location.library());
                return Optional.of(new Found(location.library().toAbsolutePath(), location.home().toAbsolutePath(),
                        d.description()));
            } catch (IOException | RuntimeException e) {
                tried.add(d.description() + ": failed (" + e + ")");
            }
        }
        if (!any) {
            tried.add("PythonDistribution services (tether-cpython): none on the class or module path");
        }
        return Optional.empty();
    }

    /** A home is a prefix whose lib/python3.X/os.py exists, at or above the library's folder. */
    private static Path deriveHome(Path library) {
        int minor = minorFromName(library);
        Path dir = library.toAbsolutePath().getParent();
        for (int up = 0; up < 4 && dir != null; up++, dir = dir.getParent()) {
            if (minor >= 0 && Files.isRegularFile(stdlib(dir, minor).resolve("os.py"))) {
                return dir;
            }
        }
        return null;
    }

    private static Path findLibrary(Path home) {
        for (Path dir : List.of(home, home.resolve("lib"))) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "libpython3.*.so*")) {
                for (Path p : s) {
                    return p;
                }
            } catch (IOException e) {
                // an unreadable folder holds no library we can use
            }
        }
        return null;
    }

    private static Path path(String value) {
        return value == null || value.isBlank() ? null : Path.of(value);
    }
}
