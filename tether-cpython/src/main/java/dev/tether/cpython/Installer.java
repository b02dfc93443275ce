package dev.tether.cpython;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * Puts a {@link Bundle} into the cache once, safely when threads and processes ask for it at the same time.
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
final class Installer {
    /** The file whose presence makes a tree complete; written last, inside the temporary folder. */
    static final String MARKER = ".tether-complete";
    /** How old a temporary folder must be before it is taken for abandoned. */
    static final Duration ABANDONED = Duration.ofHours(1);

    /** What an embedded runtime never needs: scripts, headers, man pages, build metadata, JavaCPP's JNI glue. */
    private static final Pattern SKIPPED = Pattern.compile(
            "(bin|include|share|lib/cmake|lib/pkgconfig|lib/python3\\.\\d+/test)/.*|libjnipython\\.so");
    /**
     * The interpreter binary ({@code bin/python3.X}), kept out of {@code bin/} and made executable (zip entries carry
     * no permissions): it is {@code sys.executable}, which {@code subprocess} and {@code multiprocessing} start. It
     * finds libpython through its run path {@code $ORIGIN/../}.
     */
    private static final Pattern INTERPRETER = Pattern.compile("bin/python3\\.\\d+");
    /** Bytedeco's libffi, at the top of the tree: {@code _ctypes} cannot find it there (see {@link #copyLibffi}). */
    private static final Pattern LIBFFI = Pattern.compile("libffi\\.so\\.\\d+");

    /** One lock per target folder (absolute, normalized): keeps the threads of this JVM from extracting twice. */
    private static final ConcurrentHashMap<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

    private Installer() {}

    /**
     * Makes {@code <cacheRoot>/<bundle.cacheName()>} a complete tree, extracting it if needed.
     *
     * @return the tree's folder (CPython's home)
     * @throws IOException naming the folder or file at fault
     */
    static Path install(Bundle bundle, Path cacheRoot) throws IOException {
        // the real path keys the lock: two spellings of one folder must not extract twice (nor overlap file locks)
        Path target = createCacheRoot(cacheRoot).resolve(bundle.cacheName());
        if (!isComplete(target) || !hasInterpreter(target, bundle.minor())) {
            ReentrantLock lock = LOCKS.computeIfAbsent(target, k -> new ReentrantLock());
            lock.lock();
            try {
                if (!isComplete(target)) {
                    publish(extract(bundle, target), target);
                } else if (!hasInterpreter(target, bundle.minor())) {
                    addInterpreter(bundle, target);
                }
            } finally {
                lock.unlock();
            }
        }
        sweep(target);
        return target;
    }

    /** Whether {@code tree} is a complete tree (its marker exists). */
    static boolean isComplete(Path tree) {
        return Files.isRegularFile(tree.resolve(MARKER), LinkOption.NOFOLLOW_LINKS);
    }

    /** Whether a file of the bundle (its path relative to the tree) is extracted. */
    static boolean wanted(String relative) {
        return INTERPRETER.matcher(relative).matches() || !SKIPPED.matcher(relative).matches();
    }

    /** Whether the tree's {@code bin/python3.X} is there and executable. */
    static boolean hasInterpreter(Path tree, int minor) {
        Path exe = tree.resolve("bin/python3." + minor);
        return Files.isRegularFile(exe) && Files.isExecutable(exe);
    }

    /**
     * Adds {@code bin/python3.X} to a complete tree extracted by an older Tether, which left {@code bin/} out:
     * written to a temporary name, made executable, then renamed into place (under the tree's file lock), so a
     * reader sees no interpreter or a whole one.
     */
    private static void addInterpreter(Bundle bundle, Path tree) throws IOException {
        String name = "bin/python3." + bundle.minor();
        Path exe = tree.resolve(name);
        Files.createDirectories(exe.getParent());
        Path temporary = exe.resolveSibling(exe.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36));
        try {
            bundle.forEachFile(name::equals, (relative, content) -> {
                Files.copy(content, temporary);
                makeExecutable(temporary);
            });
            if (!Files.exists(temporary)) {
                return; // the jar has no interpreter binary: sys.executable stays empty
            }
            Path lockFile = tree.resolveSibling(tree.getFileName() + ".lock");
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                channel.lock();
                Files.move(temporary, exe, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Adds execute permission wherever read permission is (what {@code chmod +x} does under a 022 umask). */
    private static void makeExecutable(Path file) throws IOException {
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
    private static Path extract(Bundle bundle, Path target) throws IOException {
        Path temporary = createTemporary(target);
        try {
            Set<Path> folders = new HashSet<>();
            long[] totals = new long[2];
            bundle.forEachFile(Installer::wanted, (relative, content) -> {
                Path file = destination(temporary, relative);
                mkdirs(file.getParent(), folders);
                totals[0]++;
                totals[1] += Files.copy(content, file);
                if (INTERPRETER.matcher(relative).matches()) {
                    makeExecutable(file);
                }
            });
            copyLibffi(temporary, bundle.minor());
            Files.writeString(temporary.resolve(MARKER), "source=" + bundle.archive() + "\nname=" + bundle.cacheName()
                    + "\nfiles=" + totals[0] + "\nbytes=" + totals[1] + "\nextracted=" + Instant.now() + "\n",
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return temporary;
        } catch (IOException | RuntimeException | Error e) {
            deleteQuietly(temporary);
            if (e instanceof IOException io) {
                throw new IOException("Cannot extract " + bundle + " into " + temporary + ": " + io, io);
            }
            throw e;
        }
    }

    /**
     * Copies each {@code libffi.so.N} of the tree's top folder into {@code lib/python3.X/lib-dynload}, unless one is
     * there. {@code _ctypes} needs it, and its run path ({@code $ORIGIN/:$ORIGIN/../:$ORIGIN/../lib/}) does not reach
     * the top folder, where bytedeco puts it: without the copy {@code import ctypes} works only where the system
     * has the same libffi, and current distributions ship libffi.so.8, while bytedeco's CPython 3.9 to 3.12 need
     * libffi.so.5 to .7.
     */
    private static void copyLibffi(Path tree, int minor) throws IOException {
        Path dynload = tree.resolve("lib/python3." + minor + "/lib-dynload");
        try (DirectoryStream<Path> libffi = Files.newDirectoryStream(tree, "libffi.so.*")) {
            for (Path lib : libffi) {
                Path copy = dynload.resolve(lib.getFileName());
                if (LIBFFI.matcher(lib.getFileName().toString()).matches() && Files.isDirectory(dynload)
                        && !Files.exists(copy)) {
                    Files.copy(lib, copy);
                }
            }
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
            throw new IOException("Cannot publish the extracted CPython " + temporary + " as " + target + " (lock "
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
}
