package dev.tether.numpy;

import dev.tether.PythonPackages;
import dev.tether.cpython.cache.Installer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * numpy from {@code org.bytedeco:numpy:*:linux-x86_64} with the OpenBLAS of {@code org.bytedeco:openblas}, extracted
 * on first use: what makes {@code import numpy} work on the CPython of {@code tether-cpython} with nothing installed.
 *
 * <h2 id="cache">Cache</h2>
 * Both trees are extracted once per machine and version into the cache of {@code tether-cpython} (the system
 * property {@code tether.cache.dir}, {@code TETHER_CACHE_DIR}, {@code $XDG_CACHE_HOME/tether} or
 * {@code ~/.cache/tether}): {@code numpy-<version>-linux-x86_64} (numpy's Python package without its test suites)
 * and {@code openblas-<version>-linux-x86_64} (only the four shared libraries numpy needs, without bytedeco's JNI
 * glue). Extraction is safe when threads and processes start at once, as for CPython itself.
 *
 * <h2 id="libraries">Native libraries</h2>
 * numpy's extension modules need {@code libopenblas.so.0}, and their run path names a folder of the machine that
 * built them. The runtime opens {@code libquadmath.so.0}, {@code libgfortran.so.5} and {@code libopenblas.so.0}
 * from the OpenBLAS tree, in that order and globally, before CPython starts; the extension modules then find them by
 * soname, with no {@code LD_LIBRARY_PATH} (F-PRELOAD-SONAME). numpy also needs the system's C++ runtime ({@code libstdc++.so.6}), which
 * every glibc distribution with a C++ runtime has.
 *
 * <h2 id="compatibility">Compatibility</h2>
 * The jar is built for one CPython ABI ({@code cpython-314-x86_64-linux-gnu} for numpy 2.4.2-1.5.13, the CPython of
 * {@code tether-cpython}); {@link #abiTag()} reports it (F-SOABI), and the runtime refuses to start on another CPython, naming
 * both.
 */
public final class EmbeddedNumpy implements PythonPackages {
    /** What numpy needs at run time: not its scripts, test suites, static libraries or Cython sources. */
    private static final Pattern NUMPY_SKIPPED = Pattern.compile(
            "(bin|scripts)/.*|python/numpy/(.*/)?tests/.*|.*\\.a|.*\\.pyx|.*\\.pxd");
    /** Only the libraries numpy links (directly or through OpenBLAS); not JavaCPP's JNI glue, headers, cmake. */
    private static final Pattern OPENBLAS_SKIPPED = Pattern.compile(
            "(?!(libopenblas\\.so\\.0|libgfortran\\.so\\.5|libquadmath\\.so\\.0|libgcc_s\\.so\\.1)$).*");
    /** numpy's core extension module; its name carries the ABI tag. */
    private static final Pattern CORE_MODULE = Pattern.compile(
            "python/numpy/_core/_multiarray_umath\\.(cpython-[^.]+)\\.so");
    private static final Pattern DIST_INFO = Pattern.compile("python/numpy-([^/]+)\\.dist-info/METADATA");
    /** The order in which the libraries are opened: each before the ones that need it. */
    private static final List<String> PRELOAD = List.of("libquadmath.so.0", "libgfortran.so.5", "libopenblas.so.0");

    /** The cache folder given by a test, or null for the default. */
    private final Path cacheRoot;
    /** The trees on the class path, found on first use; guarded by {@code this}. */
    private JarTree numpy;
    private JarTree openblas;

    /** Creates the provider; {@link java.util.ServiceLoader} calls this. Finds nothing until used. */
    public EmbeddedNumpy() {
        this(null);
    }

    /** A provider that uses {@code cacheRoot} instead of the default cache folder (null for the default). */
    EmbeddedNumpy(Path cacheRoot) {
        this.cacheRoot = cacheRoot;
    }

    /**
     * Says what this is, e.g. {@code "numpy 2.4.2 from org.bytedeco:numpy:2.4.2-1.5.13:linux-x86_64 (OpenBLAS from
     * org.bytedeco:openblas:0.3.31-1.5.13:linux-x86_64)"}, or a generic text if the jars cannot be read.
     */
    @Override
    public String description() {
        try {
            load();
            return "numpy " + numpyVersion() + " from " + numpy.coordinates() + " (OpenBLAS from "
                    + openblas.coordinates() + ")";
        } catch (IOException e) {
            return "numpy from org.bytedeco:numpy:linux-x86_64";
        }
    }

    /** The ABI tag in the name of numpy's core extension module, e.g. {@code cpython-314-x86_64-linux-gnu}. */
    @Override
    public Optional<String> abiTag() throws IOException {
        load();
        for (String name : numpy.names()) {
            Matcher m = CORE_MODULE.matcher(name);
            if (m.matches()) {
                return Optional.of(m.group(1));
            }
        }
        throw new IOException(numpy + " has no python/numpy/_core/_multiarray_umath.*.so; is it org.bytedeco:numpy"
                + " for linux-x86_64?");
    }

    /**
     * Extracts both trees into the cache unless complete ones are there.
     *
     * @return numpy's folder for {@code sys.path}, and OpenBLAS's libraries in the order to open them
     * @throws IOException if a jar is missing or unreadable, or the cache cannot be written
     */
    @Override
    public Contents locate() throws IOException {
        load();
        Path root = cacheRoot != null ? cacheRoot : Installer.defaultCacheRoot();
        Path numpyHome = Installer.install(numpy, root);
        Path openblasHome = Installer.install(openblas, root);
        List<Path> libraries = new ArrayList<>();
        for (String name : PRELOAD) {
            Path library = openblasHome.resolve(name);
            if (!Files.isRegularFile(library)) {
                throw new IOException(openblas + " has no " + name);
            }
            libraries.add(library);
        }
        return new Contents(List.of(numpyHome.resolve("python")), libraries);
    }

    @Override
    public String toString() {
        return description();
    }

    private String numpyVersion() {
        for (String name : numpy.names()) {
            Matcher m = DIST_INFO.matcher(name);
            if (m.matches()) {
                return m.group(1);
            }
        }
        return numpy.version().replaceFirst("-.*", "");
    }

    private synchronized void load() throws IOException {
        if (numpy == null) {
            List<ClassLoader> loaders = new ArrayList<>();
            loaders.add(EmbeddedNumpy.class.getClassLoader());
            // where a container gives the application its own loader, the jars may be visible only to that one
            loaders.add(Thread.currentThread().getContextClassLoader());
            JarTree n = JarTree.find("numpy", loaders, NUMPY_SKIPPED);
            openblas = JarTree.find("openblas", loaders, OPENBLAS_SKIPPED);
            numpy = n;
        }
    }
}
