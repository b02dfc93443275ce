package dev.tether.internal.runtime;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.tether.PythonVersion;
import dev.tether.internal.bridge.PyRun;
import dev.tether.internal.bridge.Support;
import dev.tether.internal.capi.CApi;
import dev.tether.internal.capi.LibPython;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.InterpreterImpl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds, loads, checks and initializes CPython on its main thread, so that it cannot hurt the JVM
 * (F-EMBED-NO-SIGNALS): no signal handlers, the environment ignored unless asked for, the home set explicitly,
 * UTF-8 mode. 3.14+ uses the PEP 741 {@code PyInitConfig} API, which reports errors; older versions use the legacy
 * global flags, whose {@code Py_InitializeEx} would abort the process on error, so the home is validated first.
 */
final class Startup {
    private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)\\.(\\d+)");

    private Startup() {}

    /**
     * A CPython initialized on its main thread, detached there.
     *
     * @param mainInterpreter   {@code PyInterpreterState *} of the main interpreter
     * @param mainThreadState   the main thread's own thread state
     * @param pythonPath        what the {@code PythonPackages} services add to every interpreter's {@code sys.path}
     */
    record Started(Discovery.Found location, PythonVersion version, EnvironmentPlan plan,
                   PythonMainThread mainThread, MemorySegment mainInterpreter, MemorySegment mainThreadState,
                   List<String> pythonPath) {}

    /**
     * Finds and loads libpython (RTLD_GLOBAL), reads its version, checks the home's standard library, prepares the
     * {@code PythonPackages} services ({@link Packages}), then initializes CPython on a new main thread. {@code committed} runs once the process is about to be changed for
     * good (CPython's initialization cannot be undone).
     */
    static Started start(RuntimeConfig config, Runnable committed) {
        VirtualEnvironment venv = EnvironmentPlan.readVirtualEnvironment(config);
        Discovery.Found found = Discovery.resolve(config, venv);
        try {
            LibPython.load(found.library());
        } catch (IllegalStateException e) {
            throw Failures.libraryNotLoaded(found.library(), e);
        }
        PythonVersion version = readVersion(found);
        checkHome(found, version);
        EnvironmentPlan plan = EnvironmentPlan.of(config, found, version, venv);
        List<String> pythonPath = Packages.prepare(version, found);
        committed.run();
        PythonMainThread mainThread = new PythonMainThread();
        try {
            MemorySegment[] state = mainThread.call(() -> {
                initialize(plan, config.inheritEnvironment(), version.minor());
                MemorySegment own = CApi.PyThreadState_Get();
                MemorySegment interp = CApi.PyInterpreterState_Main();
                CApi.PyEval_SaveThread();
                return new MemorySegment[] {interp, own};
            });
            return new Started(found, version, plan, mainThread, state[0], state[1], pythonPath);
        } catch (RuntimeException | Error e) {
            mainThread.stop();
            throw e;
        }
    }

    /**
     * Installs Tether's helpers in the main interpreter, on the main thread. If that fails, CPython is finalized
     * again and the main thread stopped, so that nothing is left running without a handle.
     */
    static Support.Environment installSupport(Started started, InterpreterImpl main, Support.Setup setup) {
        return started.mainThread().call(() -> {
            CApi.PyEval_RestoreThread(started.mainThreadState());
            try {
                Support.initializeRuntime();
                Support.install(main, setup);
                Support.extendPath(main, started.pythonPath());
                // F-INTERRUPT-MAIN-SIGNAL: _thread.interrupt_main() in a subinterpreter crashes 3.11.2 unless the main
                // interpreter imported _signal; a standalone CPython imports it at start, Tether (no handlers) did not.
                PyRun.exec(main, "import _signal", null);
                Support.Environment environment = Support.environment(main);
                CApi.PyEval_SaveThread();
                return environment;
            } catch (RuntimeException e) {
                abandon(started, main);
                throw Failures.setupFailed("Tether's helpers", e);
            } catch (Error e) {
                abandon(started, main);
                throw e;
            }
        });
    }

    /** Undoes a start whose set-up failed: CPython finalized, its main thread stopped (on that thread, attached). */
    private static void abandon(Started started, InterpreterImpl main) {
        Support.uninstall(main);
        CApi.Py_FinalizeEx();
        started.mainThread().stop();
    }

    private static PythonVersion readVersion(Discovery.Found found) {
        String text;
        try {
            text = CApi.Py_GetVersion();
        } catch (ExceptionInInitializerError | NoClassDefFoundError e) {
            throw Failures.cannotBind(found.library(), e);
        }
        Matcher m = VERSION.matcher(text);
        if (!m.find()) {
            throw Failures.unreadableVersion(found.library(), text);
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        if (major != 3 || minor < 9) {
            throw Failures.unsupportedVersion(found.library(), m.group());
        }
        boolean debug = LibPython.find("_Py_NegativeRefcount").isPresent();
        boolean freeThreaded = LibPython.find("_Py_DecRefShared").isPresent();
        return new PythonVersion(major, minor, Integer.parseInt(m.group(3)), debug, freeThreaded);
    }

    private static void checkHome(Discovery.Found found, PythonVersion version) {
        Path stdlib = Discovery.stdlib(found.home(), version.minor());
        if (!Files.isRegularFile(stdlib.resolve("os.py")) || !Files.isDirectory(stdlib.resolve("encodings"))) {
            throw Failures.noStandardLibrary(found.home(), version.toString(), stdlib);
        }
    }

    private static void initialize(EnvironmentPlan plan, boolean inheritEnvironment, int minor) {
        if (minor >= 14 && CApi.hasInitConfig()) {
            initializeWithInitConfig(plan, inheritEnvironment);
        } else {
            initializeLegacy(plan, inheritEnvironment);
        }
    }

    /**
     * 3.9-3.13: the global flags, the home (unless a virtual environment lets CPython find it) and always an
     * absolute program name, from which CPython computes {@code sys.executable} instead of searching {@code PATH}
     * (F-EXECUTABLE-FROM-PATH).
     */
    private static void initializeLegacy(EnvironmentPlan plan, boolean inheritEnvironment) {
        if (!inheritEnvironment) {
            CApi.setGlobalInt("Py_IgnoreEnvironmentFlag", 1);
            CApi.setGlobalInt("Py_NoUserSiteDirectory", 1);
            CApi.setGlobalInt("Py_UTF8Mode", 1);
        }
        // Both copy their string, but keep them alive anyway: this happens once per process.
        if (plan.home() != null) {
            CApi.Py_SetPythonHome(wideString(Arena.global(), plan.home().toString()));
        }
        CApi.Py_SetProgramName(wideString(Arena.global(), plan.programName().toString()));
        CApi.Py_InitializeEx(0);
        if (CApi.Py_IsInitialized() == 0) {
            throw Failures.initializationFailed("Py_InitializeEx did not initialize CPython");
        }
    }

    private static void initializeWithInitConfig(EnvironmentPlan plan, boolean inheritEnvironment) {
        MemorySegment config = CApi.PyInitConfig_Create();
        if (config.equals(MemorySegment.NULL)) {
            throw Failures.initializationFailed("PyInitConfig_Create failed: out of memory");
        }
        try (Arena arena = Arena.ofConfined()) {
            // PyInitConfig_Create starts from the isolated configuration; set every choice anyway.
            setInt(config, arena, "install_signal_handlers", 0);
            setInt(config, arena, "isolated", inheritEnvironment ? 0 : 1);
            setInt(config, arena, "use_environment", inheritEnvironment ? 1 : 0);
            setInt(config, arena, "user_site_directory", inheritEnvironment ? 1 : 0);
            if (!inheritEnvironment) {
                setInt(config, arena, "utf8_mode", 1);
            }
            if (plan.home() != null) {
                setStr(config, arena, "home", plan.home().toString());
            }
            setStr(config, arena, "program_name", plan.programName().toString());
            if (CApi.Py_InitializeFromInitConfig(config) < 0) {
                throw Failures.initializationFailed(error(config, arena));
            }
        } finally {
            CApi.PyInitConfig_Free(config);
        }
    }

    private static void setStr(MemorySegment config, Arena arena, String name, String value) {
        check(config, arena, CApi.PyInitConfig_SetStr(config, arena.allocateFrom(name), arena.allocateFrom(value)),
                name);
    }

    private static void setInt(MemorySegment config, Arena arena, String name, long value) {
        check(config, arena, CApi.PyInitConfig_SetInt(config, arena.allocateFrom(name), value), name);
    }

    private static void check(MemorySegment config, Arena arena, int rc, String option) {
        if (rc < 0) {
            throw Failures.optionRefused(option, error(config, arena));
        }
    }

    private static String error(MemorySegment config, Arena arena) {
        MemorySegment out = arena.allocate(ADDRESS);
        return CApi.PyInitConfig_GetError(config, out) == 1 ? CApi.cString(out.get(ADDRESS, 0)) : "unknown error";
    }

    /** A NUL-terminated {@code wchar_t} string: 4-byte UTF-32 code points on Linux. */
    private static MemorySegment wideString(Arena arena, String s) {
        int[] codePoints = s.codePoints().toArray();
        MemorySegment w = arena.allocate(JAVA_INT, codePoints.length + 1L);
        for (int i = 0; i < codePoints.length; i++) {
            w.setAtIndex(JAVA_INT, i, codePoints[i]);
        }
        w.setAtIndex(JAVA_INT, codePoints.length, 0);
        return w;
    }

}
