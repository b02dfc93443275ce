package dev.tether.scenarios;

import dev.tether.Interpreter;
import dev.tether.PyObject;
import dev.tether.PythonRuntime;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Which extension modules of the standard library an isolated subinterpreter ({@code runtime.newInterpreter()})
 * refuses (F-SUBINTERPRETER-CONFIG): every one is imported there, and the refused set is compared with the one the
 * facts document for the version.
 */
public final class IsolatedImports extends Scenario {
    @Override
    protected void run(String[] args) throws Exception {
        PythonRuntime python = PythonRuntime.start();
        String helper = helper();
        Interpreter main = python.mainInterpreter();
        List<?> names = main.call(ts -> {
            ts.exec(helper);
            return (List<?>) ts.eval("candidates()");
        });
        Interpreter sub = python.newInterpreter();
        Object[] result = sub.call(ts -> {
            ts.exec(helper);
            PyObject refused = ts.globals().getItem("refused");
            return (Object[]) refused.invoke(names);
        });
        System.out.println("@candidates " + String.join(",", strings(names)));
        System.out.println("@refused " + String.join(",", strings(result[0])));
        System.out.println("@other " + String.join(",", strings(result[1])));
        count("candidates", names.size());
        sub.close();
        python.close();
    }

    private static List<String> strings(Object list) {
        return ((List<?>) list).stream().map(String::valueOf).toList();
    }

    private static String helper() {
        try (InputStream in = IsolatedImports.class.getResourceAsStream("isolated_imports.py")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /**
     * The stdlib extension modules an isolated subinterpreter refuses, by minor version (F-SUBINTERPRETER-CONFIG),
     * of those the build has (the Maven Central builds have no {@code _tkinter}; Debian's have it only where
     * python3-tk or the debug build is installed): 3.9-3.11 subinterpreters share the main GIL and refuse nothing.
     */
    static List<String> expectedRefused(int minor) {
        return switch (minor) {
            case 9, 10, 11 -> List.of();
            case 12 -> List.of("_curses", "_curses_panel", "_datetime", "_decimal", "_elementtree", "_lsprof",
                    "faulthandler", "nis", "ossaudiodev", "pyexpat", "readline");
            default -> List.of("_curses", "_curses_panel", "_suggestions", "_tkinter", "_tracemalloc",
                    "faulthandler", "readline");
        };
    }

    /** Runs and judges the scenario on {@code python}. */
    public static void suite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, IsolatedImports.class, Duration.ofMinutes(2));
        Verdicts.clean(o);
        Verdicts.require(o.count("candidates") > 20, "too few extension modules found", o);
        String refused = line(o, "@refused ");
        Verdicts.report(String.format("isolated-imports CPython %-6s refused=%s", python, refused));
        List<String> present = List.of(line(o, "@candidates ").split(","));
        List<String> expected = expectedRefused(python.minor()).stream().filter(present::contains).toList();
        Verdicts.require(refused.equals(String.join(",", expected)),
                "refused " + refused + ", documented " + expected, o);
    }

    private static String line(Outcome o, String prefix) {
        return o.output().lines().filter(l -> l.startsWith(prefix)).findFirst().orElse(prefix)
                .substring(prefix.length()).strip();
    }
}
