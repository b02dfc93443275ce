package dev.tether.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Files the suites prepare for their scenarios, in the runner's JVM: modules, packages, virtual environments. */
public final class Fixtures {
    private Fixtures() {}

    /** A fresh temporary folder. */
    public static Path folder(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code text} to {@code file}, creating its folders. */
    public static Path write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            return Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The build's interpreter binary ({@code <prefix>/bin/python3.X}, {@code python3.Xd} for a debug build), the
     * one CPython starts as {@code sys.executable}; throws {@link Skipped} if the build has none.
     */
    public static Path interpreter(PythonInstall python) {
        Path prefix = python.home() != null ? python.home() : prefixOf(python.library());
        String name = "python3." + python.minor() + (python.name().endsWith("d") ? "d" : "");
        Path exe = prefix.resolve("bin").resolve(name);
        if (!Files.isExecutable(exe)) {
            throw new Skipped("CPython " + python + " has no interpreter binary " + exe + " (install the python3."
                    + python.minor() + " package next to libpython3." + python.minor() + ")");
        }
        return exe;
    }

    /**
     * A virtual environment made by the build's own interpreter ({@code python -m venv --without-pip}), with a
     * package {@code tether_venv_probe} in its site-packages.
     */
    public static Path venv(PythonInstall python, Path dir, boolean systemSitePackages) {
        Path exe = interpreter(python);
        List<String> command = new ArrayList<>(List.of(exe.toString(), "-I", "-m", "venv", "--without-pip"));
        if (systemSitePackages) {
            command.add("--system-site-packages");
        }
        command.add(dir.toString());
        run(command);
        write(dir.resolve("lib/python3." + python.minor() + "/site-packages/tether_venv_probe/__init__.py"),
                "WHERE = 'venv'\n");
        return dir;
    }

    /** Runs a command to its end; fails with its output if it fails. */
    public static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed:\n" + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Path prefixOf(Path library) {
        for (Path dir = library.toAbsolutePath().getParent(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("bin")) && Files.isDirectory(dir.resolve("lib"))) {
                return dir;
            }
        }
        return Path.of("/usr");
    }
}
