package dev.tether.internal.runtime;

import dev.tether.internal.bridge.HostPolicy;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What {@code PythonRuntime.Builder} collected, checked.
 *
 * @param library            libpython to load, or null to discover
 * @param home               the installation prefix, or null to derive or discover
 * @param inheritEnvironment whether CPython reads {@code PYTHON*} environment variables
 * @param shutdownHook       whether a JVM shutdown hook closes the runtime
 * @param shutdownTimeout    the deadline of that close
 * @param carrierThreads     platform threads that run work submitted from virtual threads
 * @param hostAccess         which Java objects cross into Python as proxies, and what Python reaches on them
 */
public record RuntimeConfig(Path library, Path home, boolean inheritEnvironment, boolean shutdownHook,
                            Duration shutdownTimeout, int carrierThreads, HostPolicy hostAccess) {
    /** A configuration under which no Java object crosses as a proxy. */
    public RuntimeConfig(Path library, Path home, boolean inheritEnvironment, boolean shutdownHook,
                         Duration shutdownTimeout, int carrierThreads) {
        this(library, home, inheritEnvironment, shutdownHook, shutdownTimeout, carrierThreads, null);
    }
}
