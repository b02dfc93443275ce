package dev.tether.internal.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.ErrorCode;
import dev.tether.ThreadStateException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a libpython and its home are found from the builder's settings, without loading anything. */
class DiscoveryTest {
    @TempDir
    Path dir;

    private static RuntimeConfig config(Path library, Path home) {
        return new RuntimeConfig(library, home, false, false, Duration.ZERO, 1, null, List.of(), null, List.of(), null,
                null, false, false, null);
    }

    @Test
    void theMinorVersionComesFromTheLibraryName() {
        assertEquals(14, Discovery.minorFromName(Path.of("/x/libpython3.14.so.1.0")));
        assertEquals(9, Discovery.minorFromName(Path.of("libpython3.9d.so")));
        assertEquals(-1, Discovery.minorFromName(Path.of("libfoo.so")));
    }

    @Test
    void aHomeIsDerivedFromTheLibrary() throws Exception {
        Path library = Files.createDirectories(dir.resolve("lib")).resolve("libpython3.12.so.1.0");
        Files.writeString(library, "");
        Files.createDirectories(dir.resolve("lib/python3.12"));
        Files.writeString(dir.resolve("lib/python3.12/os.py"), "");
        Discovery.Found found = Discovery.resolve(config(library, null), null);
        assertEquals(dir.toAbsolutePath(), found.home());
        assertEquals("PythonRuntime.Builder", found.source());
    }

    @Test
    void aLibraryIsFoundInTheHome() throws Exception {
        Files.writeString(Files.createDirectories(dir.resolve("lib")).resolve("libpython3.13.so.1.0"), "");
        Discovery.Found found = Discovery.resolve(config(null, dir), null);
        assertEquals("libpython3.13.so.1.0", found.library().getFileName().toString());
    }

    @Test
    void unusableSettingsSayWhichAndWhy() {
        ThreadStateException noLibrary = assertThrows(ThreadStateException.class,
                () -> Discovery.resolve(config(null, dir), null));
        assertEquals(ErrorCode.PYTHON_UNUSABLE, noLibrary.code());
        assertTrue(noLibrary.getMessage().contains("holds no libpython3.*.so"), noLibrary.getMessage());
        ThreadStateException missing = assertThrows(ThreadStateException.class,
                () -> Discovery.resolve(config(dir.resolve("libpython3.12.so"), null), null));
        assertTrue(missing.getMessage().contains("not a readable file"), missing.getMessage());
    }
}
