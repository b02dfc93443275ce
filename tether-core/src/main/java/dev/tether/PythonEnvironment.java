package dev.tether;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the main interpreter's {@code sys} said right after the runtime started: where Python runs from and what it
 * imports. {@link PythonRuntime#environment()} returns it; {@link PythonRuntime#toString()} shows it.
 *
 * @param prefix             {@code sys.prefix}: the virtual environment, or the installation
 * @param basePrefix         {@code sys.base_prefix}: the installation
 * @param executable         {@code sys.executable}, empty if no interpreter binary matching the loaded libpython
 *                           was found ({@code sys.executable} is {@code ""} then, and {@code subprocess} or
 *                           {@code multiprocessing} cannot start Python)
 * @param virtualEnvironment the virtual environment ({@link PythonRuntime.Builder#virtualEnvironment(Path)}), if any
 * @param path               {@code sys.path}
 * @param argv               {@code sys.argv}
 */
public record PythonEnvironment(Path prefix, Path basePrefix, Optional<Path> executable,
                                Optional<Path> virtualEnvironment, List<String> path, List<String> argv) {
    /** Checks and copies the components. */
    public PythonEnvironment {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(basePrefix, "basePrefix");
        Objects.requireNonNull(executable, "executable");
        Objects.requireNonNull(virtualEnvironment, "virtualEnvironment");
        path = List.copyOf(path);
        argv = List.copyOf(argv);
    }
}
