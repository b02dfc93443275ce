package dev.tether.internal.runtime;

import dev.tether.PythonVersion;
import dev.tether.internal.protocol.Failures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What CPython is told before it initializes, and what each interpreter is told right after, so that
 * {@code sys.executable}, {@code sys.prefix}, {@code sys.path} and {@code sys.argv} are what the builder said
 * (F-EXECUTABLE-FROM-PATH, F-VENV):
 * <ul>
 *   <li>the program name is always an absolute path, so CPython never searches {@code PATH} for a
 *       {@code python3} (which could be another version, or a venv's);</li>
 *   <li>without a virtual environment, the home is set and the program name is the base interpreter
 *       ({@code <home>/bin/python3.X}) or the builder's {@code executable};</li>
 *   <li>with one, the home is left unset and the program name is the venv's interpreter, so that CPython finds the
 *       venv and its base as a real {@code python} there would (getpath on 3.14+, site.py before).</li>
 * </ul>
 *
 * @param programName       the absolute program name given to CPython
 * @param executableUsable  whether {@code programName} is an executable file (else {@code sys.executable} is made
 *                          empty, as CPython does when it cannot find one)
 * @param executableTried   what was looked at for the default executable, for reports
 * @param home              the home to set, or null to let CPython compute it (a virtual environment)
 * @param venv              the virtual environment, or null
 * @param argv              {@code sys.argv}
 * @param pythonPath        entries put in front of {@code sys.path} in every interpreter
 */
record EnvironmentPlan(Path programName, boolean executableUsable, String executableTried, Path home,
                       VirtualEnvironment venv, List<String> argv, List<String> pythonPath) {

    /**
     * Checks the settings that do not need CPython: a virtual environment is readable and not combined with an
     * explicit executable; an explicit executable is an executable file outside any virtual environment.
     *
     * @return the virtual environment, or null
     */
    static VirtualEnvironment readVirtualEnvironment(RuntimeConfig config) {
        if (config.virtualEnvironment() != null && config.executable() != null) {
            throw Failures.settingsConflict("virtualEnvironment(" + config.virtualEnvironment() + ")",
                    "executable(" + config.executable() + ")",
                    "a virtual environment decides sys.executable (its own bin/python3.X); set only one");
        }
        if (config.executable() != null) {
            checkExecutable(config.executable());
        }
        return config.virtualEnvironment() == null ? null : VirtualEnvironment.read(config.virtualEnvironment());
    }

    /**
     * The plan for {@code found}, whose version is {@code version}; checks that the virtual environment belongs to
     * that installation.
     */
    static EnvironmentPlan of(RuntimeConfig config, Discovery.Found found, PythonVersion version,
                              VirtualEnvironment venv) {
        List<String> argv = config.argv().isEmpty() ? List.of("") : config.argv();
        List<String> path = config.pythonPath().stream().map(p -> p.toAbsolutePath().normalize().toString()).toList();
        if (venv != null) {
            checkVenvMatches(venv, found, version);
            return new EnvironmentPlan(venv.interpreter(), Files.isExecutable(venv.interpreter()), "", null, venv,
                    argv, path);
        }
        if (config.executable() != null) {
            Path exe = config.executable().toAbsolutePath().normalize();
            return new EnvironmentPlan(exe, true, "", found.home(), null, argv, path);
        }
        Path candidate = defaultExecutable(found.home(), version);
        boolean usable = Files.isRegularFile(candidate) && Files.isExecutable(candidate);
        String tried = usable ? "" : candidate + (Files.exists(candidate) ? " (not executable)" : " (missing)");
        return new EnvironmentPlan(candidate, usable, tried, found.home(), null, argv, path);
    }

    /**
     * The base interpreter of an installation: {@code <home>/bin/python3.X} with the build's ABI flags
     * ({@code python3.14d} for a debug build, {@code python3.13t} free-threaded), the name every CPython install
     * and Debian use; never {@code python3}, which may be another version.
     */
    static Path defaultExecutable(Path home, PythonVersion version) {
        String name = "python3." + version.minor() + (version.freeThreaded() ? "t" : "") + (version.debug() ? "d" : "");
        return home.resolve("bin").resolve(name);
    }

    /** How reports name the executable: the path, or why there is none. */
    String describeExecutable() {
        return executableUsable ? programName.toString() : "none (tried " + (executableTried.isEmpty()
                ? programName.toString() : executableTried) + ")";
    }

    private static void checkVenvMatches(VirtualEnvironment venv, Discovery.Found found, PythonVersion version) {
        if (venv.minor() != version.minor()) {
            throw Failures.venvVersionMismatch(venv.root(), venv.version(), version.toString(), found.library(),
                    found.source());
        }
        if (venv.basePrefix() == null) {
            throw Failures.venvWithoutBase(venv.root(), venv.home(), venv.minor());
        }
        if (!sameFile(venv.basePrefix(), found.home())) {
            throw Failures.venvOtherInstallation(venv.root(), venv.home(), venv.basePrefix(), found.home(),
                    found.library(), found.source());
        }
    }

    private static void checkExecutable(Path executable) {
        if (!Files.isRegularFile(executable) || !Files.isExecutable(executable)) {
            throw Failures.executableUnusable(executable);
        }
        Path dir = executable.toAbsolutePath().normalize().getParent();
        List<Path> candidates = new ArrayList<>();
        candidates.add(dir);
        if (dir.getParent() != null) {
            candidates.add(dir.getParent());
        }
        for (Path d : candidates) {
            if (Files.isRegularFile(d.resolve(VirtualEnvironment.CONFIG))) {
                throw Failures.executableInVenv(executable, d);
            }
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }
}
