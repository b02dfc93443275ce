package dev.tether.testing;

import java.nio.file.Path;

/**
 * Runs every suite ({@link Suites#all()}) on CPython builds given on the command line, without JUnit: the extended
 * matrix (CPython 3.15 and the debug builds 3.15d and 3.14d from a Debian sid root, see
 * {@code scripts/extended-matrix.sh}). Arguments: {@code name=libpython[:home]...}. Exit status 0 only if every
 * verdict passed. {@code -Dtether.test.extended.skip=3.14d=JVM exit storm;...} leaves out, on one build, the suites
 * whose names contain the text (reported as SKIPPED), to keep CI's time.
 */
public final class ExtendedMatrix {
    private ExtendedMatrix() {}

    public static void main(String[] args) {
        java.util.List<Suites.Suite> suites = Suites.all();
        int failures = 0;
        for (String arg : args) {
            String[] nameAndPaths = arg.split("=", 2);
            String[] paths = nameAndPaths[1].split(":");
            PythonInstall python = new PythonInstall(nameAndPaths[0], Path.of(paths[0]),
                    paths.length > 1 ? Path.of(paths[1]) : null);
            for (Suites.Suite suite : suites) {
                if (skipped(python.toString(), suite.name())) {
                    System.out.println("SKIPPED " + suite.name() + " on " + python + ": left out of the extended matrix"
                            + " on this build (tether.test.extended.skip; it runs on the other builds)");
                    continue;
                }
                try {
                    suite.run().accept(python);
                    System.out.println("PASS " + suite.name() + " on " + python);
                } catch (Skipped e) {
                    System.out.println("SKIPPED " + suite.name() + " on " + python + ": " + e.getMessage());
                } catch (AssertionError | RuntimeException e) {
                    System.out.println("FAIL " + suite.name() + " on " + python + ": " + e.getMessage());
                    failures++;
                }
            }
        }
        System.out.println(failures == 0 ? "extended matrix: all passed" : "extended matrix: " + failures + " FAILED");
        System.exit(failures == 0 ? 0 : 1);
    }

    private static boolean skipped(String build, String suite) {
        for (String entry : System.getProperty("tether.test.extended.skip", "").split(";")) {
            String[] buildAndText = entry.split("=", 2);
            if (buildAndText.length == 2 && buildAndText[0].trim().equals(build)
                    && suite.contains(buildAndText[1].trim())) {
                return true;
            }
        }
        return false;
    }
}
