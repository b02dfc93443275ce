package dev.tether.internal.runtime;

import dev.tether.PythonPackages;
import dev.tether.PythonVersion;
import dev.tether.internal.capi.LibPython;
import dev.tether.internal.protocol.Failures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Applies the {@link PythonPackages} services before CPython is initialized: checks each one's ABI against the
 * CPython found (F-SOABI), makes it ready, opens its native libraries globally (F-PRELOAD-SONAME), and collects the
 * folders every interpreter gets on {@code sys.path}. Runs before the start is committed, so a failure leaves
 * CPython uninitialized.
 */
final class Packages {
    private Packages() {}

    /**
     * The {@code sys.path} entries of every provider, in order.
     *
     * <ol>
     *   <li>Load the providers; one that cannot be loaded fails the start (a broken jar is not ignored).</li>
     *   <li>Refuse a provider built for another ABI, before extracting anything.</li>
     *   <li>Locate each provider and open its libraries in the order given.</li>
     * </ol>
     */
    static List<String> prepare(PythonVersion version, Discovery.Found found) {
        String tag = abiTag(version);
        List<String> path = new ArrayList<>();
        for (PythonPackages p : providers()) {
            String description = p.description();
            Optional<String> builtFor;
            PythonPackages.Contents contents;
            try {
                builtFor = p.abiTag();
                if (builtFor.isPresent() && !builtFor.get().equals(tag)) {
                    throw Failures.packagesIncompatible(description, builtFor.get(), describe(version, found), tag);
                }
                contents = p.locate();
            } catch (IOException | RuntimeException e) {
                if (e instanceof dev.tether.ThreadStateException t) {
                    throw t;
                }
                throw Failures.packagesNotReady(description, e);
            }
            for (Path library : contents.libraries()) {
                try {
                    LibPython.preload(library);
                } catch (IllegalStateException e) {
                    throw Failures.packagesLibraryNotLoaded(description, library, e);
                }
            }
            contents.pythonPath().forEach(entry -> path.add(entry.toAbsolutePath().toString()));
        }
        return List.copyOf(path);
    }

    /**
     * The running CPython's {@code SOABI} (F-SOABI): {@code cpython-3XY} with {@code t} for free-threaded and
     * {@code d} for debug builds, then the Linux multiarch triplet.
     */
    static String abiTag(PythonVersion version) {
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> System.getProperty("os.arch");
        };
        return "cpython-" + version.major() + version.minor() + (version.freeThreaded() ? "t" : "")
                + (version.debug() ? "d" : "") + "-" + arch + "-linux-gnu";
    }

    private static String describe(PythonVersion version, Discovery.Found found) {
        return "CPython " + version + " (" + found.library() + ", from " + found.source() + ")";
    }

    private static List<PythonPackages> providers() {
        List<PythonPackages> providers = new ArrayList<>();
        var iterator = ServiceLoader.load(PythonPackages.class).iterator();
        while (true) {
            try {
                if (!iterator.hasNext()) {
                    return providers;
                }
                providers.add(iterator.next());
            } catch (ServiceConfigurationError e) {
                throw Failures.packagesNotReady("a PythonPackages service", e);
            }
        }
    }
}
