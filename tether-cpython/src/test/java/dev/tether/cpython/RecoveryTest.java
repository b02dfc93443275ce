package dev.tether.cpython;

import dev.tether.cpython.cache.Installer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.PythonDistribution.Location;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What earlier runs may leave in the cache (a crash mid-extraction, a damaged tree) never breaks a later run. */
class RecoveryTest {

    @Test
    void abandonedTemporaryFoldersNeitherBlockNorLinger(@TempDir Path dir) throws IOException {
        Path cache = Files.createDirectory(dir.resolve("cache"));
        String name = Trees.expectedName();
        // a process killed mid-extraction hours ago, and one that may still be extracting right now
        Path abandoned = halfTree(cache.resolve(name + ".tmp-999999-abandoned"));
        Files.setLastModifiedTime(abandoned, FileTime.from(Instant.now().minus(Installer.ABANDONED.multipliedBy(2))));
        Path recent = halfTree(cache.resolve(name + ".tmp-999998-recent"));

        Location location = new EmbeddedCPython(cache).locate();

        Path home = cache.toRealPath().resolve(name);
        assertEquals(home, location.home());
        Trees.assertComplete(home);
        assertFalse(Files.exists(abandoned), "an abandoned temporary folder is deleted");
        assertTrue(Files.exists(recent), "a recent temporary folder may belong to a live extractor: kept");
    }

    @Test
    void treeWithoutMarkerIsReplacedAndACompleteTreeIsReused(@TempDir Path dir) throws IOException {
        Path cache = Files.createDirectory(dir.resolve("cache"));
        halfTree(cache.resolve(Trees.expectedName()));

        Location location = new EmbeddedCPython(cache).locate();

        Path home = cache.toRealPath().resolve(Trees.expectedName());
        assertEquals(home, location.home());
        Trees.assertComplete(home); // also proves the damaged tree's files are gone
        assertEquals(List.of(home.getFileName().toString(), home.getFileName() + ".lock"), names(cache),
                "the damaged tree, moved aside, is deleted");

        // a complete tree is used as it is: nothing extracted again, nothing removed
        Path sentinel = Files.writeString(home.resolve("sentinel"), "kept");
        FileTime marked = Files.getLastModifiedTime(home.resolve(Installer.MARKER));
        assertEquals(location, new EmbeddedCPython(cache).locate());
        assertTrue(Files.exists(sentinel));
        assertEquals(marked, Files.getLastModifiedTime(home.resolve(Installer.MARKER)));
    }

    @Test
    void unusableCacheFolderFailsNamingIt(@TempDir Path dir) throws IOException {
        Path notAFolder = Files.writeString(dir.resolve("not-a-folder"), "");
        Path cache = notAFolder.resolve("cache");

        IOException e = assertThrows(IOException.class, () -> new EmbeddedCPython(cache).locate());

        assertTrue(e.getMessage().contains(cache.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("tether.cache.dir"), "says what to do: " + e.getMessage());
    }

    /** A tree as a crash leaves it: some files, one of them cut short, and no marker. */
    private static Path halfTree(Path tree) throws IOException {
        int minor = Trees.minor();
        Path stdlib = Files.createDirectories(tree.resolve("lib/python3." + minor));
        Files.writeString(stdlib.resolve("os.py"), "# cut sh");
        Files.writeString(tree.resolve("libpython3." + minor + ".so.1.0"), "ELF");
        Files.writeString(tree.resolve("junk"), "not in the jar");
        return tree;
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> list = Files.list(folder)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
