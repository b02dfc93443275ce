package dev.tether.cpython;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which cache folder is chosen, in the documented order. */
class CacheRootTest {
    private static final Map<String, String> ALL = Map.of("TETHER_CACHE_DIR", "/env/tether",
            "XDG_CACHE_HOME", "/xdg");

    @Test
    void systemPropertyComesFirst() throws IOException {
        assertEquals(Path.of("/prop"), EmbeddedCPython.defaultCacheRoot("/prop", ALL, "/home/u"));
    }

    @Test
    void thenTetherCacheDir() throws IOException {
        assertEquals(Path.of("/env/tether"), EmbeddedCPython.defaultCacheRoot(" ", ALL, "/home/u"));
    }

    @Test
    void thenXdgCacheHome() throws IOException {
        assertEquals(Path.of("/xdg/tether"),
                EmbeddedCPython.defaultCacheRoot(null, Map.of("XDG_CACHE_HOME", "/xdg"), "/home/u"));
    }

    @Test
    void relativeXdgCacheHomeIsIgnoredAsItsSpecificationSays() throws IOException {
        assertEquals(Path.of("/home/u/.cache/tether"),
                EmbeddedCPython.defaultCacheRoot(null, Map.of("XDG_CACHE_HOME", "rel"), "/home/u"));
    }

    @Test
    void thenTheUsersHome() throws IOException {
        assertEquals(Path.of("/home/u/.cache/tether"), EmbeddedCPython.defaultCacheRoot(null, Map.of(), "/home/u"));
    }

    @Test
    void anInvalidPathIsReportedWithItsSource() {
        IOException e = assertThrows(IOException.class,
                () -> EmbeddedCPython.defaultCacheRoot("bad\0path", Map.of(), "/home/u"));
        assertTrue(e.getMessage().contains("tether.cache.dir"), e.getMessage());
    }
}
