package dev.tether.internal.runtime;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.tether.internal.capi.CApi;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Initializes CPython on its main thread, so that it cannot hurt the JVM (DESIGN fact 9): no signal handlers, the
 * environment ignored unless asked for, the home set explicitly, UTF-8 mode. 3.14+ uses the PEP 741
 * {@code PyInitConfig} API, which reports errors; older versions use the legacy global flags, whose
 * {@code Py_InitializeEx} would abort the process on error, so the caller validates the home first.
 */
final class Startup {
    private Startup() {}

    static void initialize(Path home, boolean inheritEnvironment, int minor) {
        if (minor >= 14 && CApi.hasInitConfig()) {
            initializeWithInitConfig(home, inheritEnvironment);
        } else {
            initializeLegacy(home, inheritEnvironment);
        }
    }

    private static void initializeLegacy(Path home, boolean inheritEnvironment) {
        if (!inheritEnvironment) {
            CApi.setGlobalInt("Py_IgnoreEnvironmentFlag", 1);
            CApi.setGlobalInt("Py_NoUserSiteDirectory", 1);
            CApi.setGlobalInt("Py_UTF8Mode", 1);
        }
        // Py_SetPythonHome copies the string, but keep it alive anyway: this happens once per process.
        CApi.Py_SetPythonHome(wideString(Arena.global(), home.toString()));
        CApi.Py_InitializeEx(0);
        if (CApi.Py_IsInitialized() == 0) {
            throw new IllegalStateException("Py_InitializeEx did not initialize CPython");
        }
    }

    private static void initializeWithInitConfig(Path home, boolean inheritEnvironment) {
        MemorySegment config = CApi.PyInitConfig_Create();
        if (config.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("PyInitConfig_Create failed: out of memory");
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
            check(config, arena, CApi.PyInitConfig_SetStr(config, arena.allocateFrom("home"),
                    arena.allocateFrom(home.toString())), "home");
            if (CApi.Py_InitializeFromInitConfig(config) < 0) {
                throw new IllegalStateException("CPython failed to initialize: " + error(config, arena));
            }
        } finally {
            CApi.PyInitConfig_Free(config);
        }
    }

    private static void setInt(MemorySegment config, Arena arena, String name, long value) {
        check(config, arena, CApi.PyInitConfig_SetInt(config, arena.allocateFrom(name), value), name);
    }

    private static void check(MemorySegment config, Arena arena, int rc, String option) {
        if (rc < 0) {
            throw new IllegalStateException("CPython refused the option " + option + ": " + error(config, arena));
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
