package dev.tether.cpython.cache;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.InvalidPathException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Puts a {@link Source} (a tree of files in a jar: CPython for tether-cpython, numpy and OpenBLAS for tether-numpy)
 * into the cache once, safely when threads and processes ask for it at the same time.
 *
 * <h2 id="protocol">Protocol</h2>
 * A tree in the cache is <em>complete</em> when its {@value #MARKER} file exists; only complete trees are handed out.
 * <ol>
 *   <li>If {@code <cache>/<name>} is complete, use it (no lock, no write).</li>
 *   <li>Otherwise take this JVM's lock for that folder, so the threads of one process extract once, and check again.</li>
 *   <li>Extract into a fresh sibling {@code <name>.tmp-<pid>-<random>}, write the marker last.</li>
 *   <li>Under an OS file lock on {@code <name>.lock} (held for a rename, never for an extraction): if another process
 *       published a complete tree meanwhile, keep it and delete ours; if a tree without marker is in the way (a
 *       crash of an older tool, a deleted marker), rename it to {@code <name>.stale-*} first; then rename ours to
 *       {@code <name>} with {@code ATOMIC_MOVE}, so a reader sees no tree or a complete one, never half of one.</li>
 *   <li>Delete {@code .stale-*} siblings and {@code .tmp-*} siblings older than {@link #ABANDONED} (left by a
 *       process that died while extracting; a live extractor never takes that long).</li>
 * </ol>
 * The file lock only makes step 4's check-then-rename atomic among processes; the OS releases it when a process
 * dies, so a crash cannot block later runs. Extraction does not fsync: after a power loss a tree may need deleting
 * by hand.
 */
public final class Installer {
    /** The file whose presence makes a tree complete; written last, inside the temporary folder. */
    public static final String MARKER = ".tether-complete";
    /** How old a temporary folder must be before it is taken for abandoned. */
    public static final Duration ABANDONED = Duration.ofHours(1);

    /** One lock per target folder (absolute, normalized): keeps the threads of this JVM from extracting twice. */
    private static final ConcurrentHashMap<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

    private Installer() {}

    /**
     * Makes {@code <cacheRoot>/<source.cacheName()>} a complete tree, extracting it if needed.
     *
     * @return the tree's folder
     * @throws IOException naming the folder or file at fault
     */
    public static Path install(Source source, Path cacheRoot) throws IOException {
        // the real path keys the lock: two spellings of one folder must not extract twice (nor overlap file locks)
        Path target = createCacheRoot(cacheRoot).resolve(source.cacheName());
        if (!isComplete(target) || !source.upToDate(target)) {
            ReentrantLock lock = LOCKS.computeIfAbsent(target, k -> new ReentrantLock());
            lock.lock();
            try {
                if (!isComplete(target)) {
                    publish(extract(source, target), target);
                } else if (!source.upToDate(target)) {
                    source.update(target);
                }
            } finally {
                lock.unlock();
            }
        }
        sweep(target);
        return target;
    }

    /** Whether {@code tree} is a complete tree (its marker exists). */
    public static boolean isComplete(Path tree) {
        return Files.isRegularFile(tree.resolve(MARKER), LinkOption.NOFOLLOW_LINKS);
    }

    /** Creates the cache folder if needed and returns its real path. */
    private static Path createCacheRoot(Path cacheRoot) throws IOException {
        try {
            return Files.createDirectories(cacheRoot).toRealPath();
        } catch (IOException e) {
            throw new IOException("Cannot create the Tether cache folder " + cacheRoot + " (" + e + "); point"
                    + " -Dtether.cache.dir or TETHER_CACHE_DIR to a writable folder", e);
        }
    }

    /**
     * Extracts the wanted files into a new temporary sibling of {@code target}, then writes the marker (which records
     * the source and how many files and bytes came from it).
     */
    private static Path extract(Source source, Path target) throws IOException {
        Path temporary = createTemporary(target);
        try {
            Set<Path> folders = new HashSet<>();
            long[] totals = new long[2];
            source.forEachFile(source::wanted, (relative, content) -> {
                Path file = destination(temporary, relative);
                mkdirs(file.getParent(), folders);
                totals[0]++;
                totals[1] += Files.copy(content, file);
            });
            source.complete(temporary);
            Files.writeString(temporary.resolve(MARKER), "source=" + source.archive() + "\nname=" + source.cacheName()
                    + "\nfiles=" + totals[0] + "\nbytes=" + totals[1] + "\nextracted=" + Instant.now() + "\n",
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return temporary;
        } catch (IOException | RuntimeException | Error e) {
            deleteQuietly(temporary);
            if (e instanceof IOException io) {
                throw new IOException("Cannot extract " + source + " into " + temporary + ": " + io, io);
            }
            throw e;
        }
    }

    private static Path createTemporary(Path target) throws IOException {
        String prefix = target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-";
        for (int attempt = 0; ; attempt++) {
            Path candidate = target.resolveSibling(prefix + Long.toUnsignedString(
                    ThreadLocalRandom.current().nextLong(), 36));
            try {
                // createDirectory, unlike createTempDirectory, honours the umask: others may read the cache as usual
                return Files.createDirectory(candidate);
            } catch (FileAlreadyExistsException e) {
                if (attempt == 10) {
                    throw e;
                }
            } catch (IOException e) {
                throw new IOException("Cannot create a folder in the Tether cache " + target.getParent() + " (" + e
                        + "); point -Dtether.cache.dir or TETHER_CACHE_DIR to a writable folder", e);
            }
        }
    }

    /** The file for {@code relative} inside {@code tree}; refuses names that would land outside it. */
    private static Path destination(Path tree, String relative) throws IOException {
        Path file = tree.resolve(relative).normalize();
        if (!file.startsWith(tree) || file.equals(tree)) {
            throw new IOException("Refusing to extract " + relative + ": it would land outside " + tree);
        }
        return file;
    }

    private static void mkdirs(Path folder, Set<Path> known) throws IOException {
        if (known.add(folder)) {
            Files.createDirectories(folder);
        }
    }

    /**
     * Renames {@code temporary} to {@code target}, as step 4 of the <a href="#protocol">protocol</a>; deletes
     * {@code temporary} instead if another process got there first.
     */
    /**
     * Puts {@code file} into {@code tree}, which is complete already, so that a reader sees it missing or whole:
     * {@code write} makes it under a temporary name, which is then renamed into place under the tree's file lock.
     */
    public static void addFile(Path tree, String relative, FileWriter write) throws IOException {
        Path file = tree.resolve(relative);
        Files.createDirectories(file.getParent());
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36));
        try {
            if (!write.write(temporary)) {
                return;
            }
            try (FileChannel channel = FileChannel.open(tree.resolveSibling(tree.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                channel.lock();
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Writes a file for {@link #addFile}. */
    @FunctionalInterface
    public interface FileWriter {
        /** Writes {@code file}; false if there was nothing to write. */
        boolean write(Path file) throws IOException;
    }

    /** Adds execute permission wherever read permission is (what {@code chmod +x} does under a 022 umask). */
    public static void makeExecutable(Path file) throws IOException {
        Set<PosixFilePermission> permissions = new HashSet<>(Files.getPosixFilePermissions(file));
        if (permissions.contains(PosixFilePermission.OWNER_READ)) {
            permissions.add(PosixFilePermission.OWNER_EXECUTE);
        }
        if (permissions.contains(PosixFilePermission.GROUP_READ)) {
            permissions.add(PosixFilePermission.GROUP_EXECUTE);
        }
        if (permissions.contains(PosixFilePermission.OTHERS_READ)) {
            permissions.add(PosixFilePermission.OTHERS_EXECUTE);
        }
        Files.setPosixFilePermissions(file, permissions);
    }

    private static void publish(Path temporary, Path target) throws IOException {
        Path lockFile = target.resolveSibling(target.getFileName() + ".lock");
        boolean published = false;
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            channel.lock(); // released when the channel closes, or when this process dies
            if (!isComplete(target)) {
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    moveAside(target);
                }
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
                published = true;
            }
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("Cannot rename " + temporary + " to " + target + " atomically; point"
                    + " -Dtether.cache.dir or TETHER_CACHE_DIR to a local file system", e);
        } catch (IOException e) {
            throw new IOException("Cannot publish the extracted tree " + temporary + " as " + target + " (lock "
                    + lockFile + "): " + e, e);
        } finally {
            if (!published) {
                deleteQuietly(temporary);
            }
        }
    }

    /** Renames a tree without marker out of the way; it is deleted by the sweep that follows. */
    private static void moveAside(Path target) throws IOException {
        Path stale = target.resolveSibling(target.getFileName() + ".stale-" + ProcessHandle.current().pid() + "-"
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36));
        Files.move(target, stale, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Deletes what earlier runs left next to {@code target}: step 5 of the <a href="#protocol">protocol</a>. */
    private static void sweep(Path target) {
        String name = target.getFileName().toString();
        FileTime abandoned = FileTime.from(Instant.now().minus(ABANDONED));
        try (DirectoryStream<Path> siblings = Files.newDirectoryStream(target.getParent(), name + ".{tmp,stale}-*")) {
            for (Path sibling : siblings) {
                boolean stale = sibling.getFileName().toString().startsWith(name + ".stale-");
                if (stale || Files.getLastModifiedTime(sibling, LinkOption.NOFOLLOW_LINKS).compareTo(abandoned) < 0) {
                    deleteQuietly(sibling);
                }
            }
        } catch (IOException e) {
            // only disk space is at stake; the next run tries again
        }
    }

    /** Deletes a tree as far as possible; another process deleting it at the same time is fine. */
    private static void deleteQuietly(Path tree) {
        try {
            Files.walkFileTree(tree, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            // left for the next sweep
        }
    }

    /**
     * The cache folder chosen from the system property {@code tether.cache.dir}, then the environment's
     * {@code TETHER_CACHE_DIR} and {@code XDG_CACHE_HOME} (used only if absolute, as its specification says), then
     * the user's home: {@code ~/.cache/tether}.
     */
    public static Path defaultCacheRoot(String property, Map<String, String> env, String userHome) throws IOException {
        String source = "tether.cache.dir";
        try {
            if (present(property)) {
                return Path.of(property);
            }
            source = "TETHER_CACHE_DIR";
            if (present(env.get(source))) {
                return Path.of(env.get(source));
            }
            source = "XDG_CACHE_HOME";
            if (present(env.get(source)) && Path.of(env.get(source)).isAbsolute()) {
                return Path.of(env.get(source), "tether");
            }
            source = "user.home";
            if (present(userHome)) {
                return Path.of(userHome, ".cache", "tether");
            }
        } catch (InvalidPathException e) {
            throw new IOException("The cache folder from " + source + " is not a valid path: " + e.getMessage(), e);
        }
        throw new IOException("No cache folder: set -Dtether.cache.dir or TETHER_CACHE_DIR");
    }

    /** {@link #defaultCacheRoot(String, Map, String)} of this process. */
    public static Path defaultCacheRoot() throws IOException {
        return defaultCacheRoot(System.getProperty("tether.cache.dir"), System.getenv(),
                System.getProperty("user.home"));
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }
}
