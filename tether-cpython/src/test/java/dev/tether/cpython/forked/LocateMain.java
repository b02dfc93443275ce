package dev.tether.cpython.forked;

import dev.tether.PythonDistribution;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;

/**
 * A process that races others to {@link PythonDistribution#locate()}: finds the provider as Tether does (through
 * {@link ServiceLoader}), prints {@code ready}, waits until the file named by its argument exists, locates, and prints
 * {@code library=}, {@code home=} and {@code millis=}. The cache folder comes from {@code -Dtether.cache.dir}.
 */
public final class LocateMain {
    private LocateMain() {}

    /** Runs the race; exits 1 if the provider is missing or ambiguous, 2 if locating fails. */
    public static void main(String[] args) throws Exception {
        List<PythonDistribution> found = ServiceLoader.load(PythonDistribution.class).stream()
                .map(ServiceLoader.Provider::get).toList();
        if (found.size() != 1) {
            System.out.println("providers=" + found);
            System.exit(1);
        }
        PythonDistribution cpython = found.getFirst();
        Path go = Path.of(args[0]);
        System.out.println("ready");
        System.out.flush();
        while (!Files.exists(go)) {
            Thread.sleep(1);
        }
        long start = System.nanoTime();
        try {
            PythonDistribution.Location location = cpython.locate();
            System.out.println("library=" + location.library());
            System.out.println("home=" + location.home());
            System.out.println("millis=" + (System.nanoTime() - start) / 1_000_000);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(2);
        }
    }
}
