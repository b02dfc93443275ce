package dev.tether.internal.runtime;

import java.io.OutputStream;
import dev.tether.internal.bridge.HostPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What {@code PythonRuntime.Builder} collected. Each setting is checked on its own by the builder, and together
 * when starting ({@link EnvironmentPlan}).
 *
 * @param library            libpython to load, or null to discover
 * @param home               the installation prefix, or null to derive or discover
 * @param inheritEnvironment whether CPython reads {@code PYTHON*} environment variables
 * @param shutdownHook       whether a JVM shutdown hook closes the runtime
 * @param shutdownTimeout    the deadline of that close
 * @param carrierThreads     platform threads that run work submitted from virtual threads
 * @param virtualEnvironment a virtual environment to run in, or null
 * @param pythonPath         entries to put in front of {@code sys.path}
 * @param executable         {@code sys.executable}, or null for the installation's own interpreter
 * @param argv               {@code sys.argv} (empty: {@code ['']})
 * @param stdout             where Python's {@code sys.stdout} goes, or null for the process's standard output
 * @param stderr             where Python's {@code sys.stderr} goes, or null for the process's standard error
 * @param forwardLogging     whether Python {@code logging} records go to {@code System.Logger}
 * @param allowFork          whether {@code os.fork()} is allowed in this JVM process
 * @param hostAccess         which Java objects cross into Python as proxies, and what Python reaches on them (null:
 *                           none)
 */
public record RuntimeConfig(Path library, Path home, boolean inheritEnvironment, boolean shutdownHook,
                            Duration shutdownTimeout, int carrierThreads, Path virtualEnvironment,
                            List<Path> pythonPath, Path executable, List<String> argv, OutputStream stdout,
                            OutputStream stderr, boolean forwardLogging, boolean allowFork, HostPolicy hostAccess) {
    public RuntimeConfig {
        pythonPath = List.copyOf(pythonPath);
        argv = List.copyOf(argv);
    }
}
