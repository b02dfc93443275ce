package dev.tether.internal.runtime;

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
 */
public record RuntimeConfig(Path library, Path home, boolean inheritEnvironment, boolean shutdownHook,
                            Duration shutdownTimeout, int carrierThreads) {}
