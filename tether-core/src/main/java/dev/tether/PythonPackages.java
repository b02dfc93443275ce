package dev.tether;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Python packages that come in a jar, with the native libraries they need: a service that
 * {@link PythonRuntime#start()} applies to the CPython it starts. The optional {@code tether-numpy} artifact
 * provides one (numpy and OpenBLAS from Maven Central, extracted on first use), so that {@code import numpy} works
 * with nothing installed.
 *
 * <h2 id="lifecycle">Lifecycle</h2>
 * Starting the runtime finds every provider with {@link java.util.ServiceLoader} (class path and module path) and,
 * before CPython is initialized:
 * <ol>
 *   <li>compares each provider's {@link #abiTag()} with the CPython found, and fails the start naming both if they
 *       differ (nothing is extracted then);</li>
 *   <li>calls {@link #locate()}, which makes the files ready (extracting them, for example);</li>
 *   <li>opens each of {@link Contents#libraries()} in order with {@code RTLD_GLOBAL}, so that extension modules find
 *       them by soname whatever their run path says (no {@code LD_LIBRARY_PATH} needed).</li>
 * </ol>
 * Then each of {@link Contents#pythonPath()} is appended to {@code sys.path} of every interpreter the runtime
 * creates: the main interpreter and every subinterpreter (an isolated one still refuses extension modules that do
 * not support it, with CPython's own {@code ImportError}).
 *
 * <h2 id="thread-safety">Thread safety</h2>
 * {@link #locate()} may be called by several threads or processes at once (several JVMs starting together);
 * implementations make that safe.
 *
 * <h2 id="errors">Errors</h2>
 * A mismatched ABI, a failed {@link #locate()} or a library that cannot be opened fails the start with a
 * {@link ThreadStateException} of code {@link ErrorCode#PYTHON_UNUSABLE} naming the provider; CPython is not
 * initialized then, so fixing the cause and starting again works.
 *
 * @apiNote This interface is independent of {@code PythonRuntime.Builder}'s own path settings: both add to
 *          {@code sys.path}.
 */
public interface PythonPackages {

    /** A short description for messages, e.g. {@code "numpy 2.4.2 from org.bytedeco:numpy:2.4.2-1.5.13:linux-x86_64"}. */
    String description();

    /**
     * The ABI its extension modules were built for, as CPython names it in their file names and in
     * {@code sysconfig.get_config_var('SOABI')}: {@code "cpython-314-x86_64-linux-gnu"} (a debug build adds
     * {@code d}, a free-threaded one {@code t}: {@code "cpython-314d-..."}). Empty for pure-Python packages, which run
     * on any CPython.
     *
     * @throws IOException if the jar cannot be read
     */
    Optional<String> abiTag() throws IOException;

    /**
     * Makes the files ready (for example by extracting them) and says where they are. May be called by several
     * threads or processes at once; implementations make that safe.
     *
     * @throws IOException if the files cannot be made ready
     */
    Contents locate() throws IOException;

    /**
     * What a provider contributes.
     *
     * @param pythonPath folders appended to {@code sys.path}, in order
     * @param libraries  shared libraries to open globally before any extension module loads, in dependency order
     *                   (a library before the ones that need it)
     */
    record Contents(List<Path> pythonPath, List<Path> libraries) {
        /** Checks and copies the lists. */
        public Contents {
            pythonPath = List.copyOf(Objects.requireNonNull(pythonPath, "pythonPath"));
            libraries = List.copyOf(Objects.requireNonNull(libraries, "libraries"));
        }
    }
}
