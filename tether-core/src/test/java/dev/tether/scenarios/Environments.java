package dev.tether.scenarios;

import dev.tether.ErrorCode;
import dev.tether.Interpreter;
import dev.tether.InterpreterConfig;
import dev.tether.PythonEnvironment;
import dev.tether.PythonRuntime;
import dev.tether.ThreadState;
import dev.tether.ThreadStateException;
import dev.tether.testing.Fixtures;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Where Python runs from: {@code sys.executable} (the build's own interpreter, never a {@code PATH} lookup, even
 * with a decoy virtual environment first on {@code PATH}), {@code sys.argv} and {@code pythonPath} in every kind of
 * interpreter, {@code subprocess} and {@code multiprocessing} starting that interpreter, {@code os.fork()} refused;
 * and virtual environments made by the build's own {@code python -m venv}, with and without system site-packages,
 * a version mismatch and a conflicting {@code executable} refused.
 *
 * <p>Arguments: {@code defaults <probe dir>}, or {@code venv <venv> <system site: true|false> <wrong venv>}.
 */
public final class Environments extends Scenario {
    /** Checks of {@link #checkEverywhere}, per interpreter (main, isolated, legacy). */
    static final int CHECKS_PER_INTERPRETER = 4;
    /** Checks of {@link #defaults} in the main interpreter only. */
    static final int DEFAULT_CHECKS = 8;
    /** Checks of {@link #venv}. */
    static final int VENV_CHECKS = 10;

    @Override
    protected void run(String[] args) throws Exception {
        if (args[0].equals("defaults")) {
            defaults(Path.of(args[1]));
        } else {
            venv(Path.of(args[1]), Boolean.parseBoolean(args[2]), Path.of(args[3]));
        }
    }

    private void defaults(Path probes) throws Exception {
        PythonRuntime python = PythonRuntime.builder().pythonPath(List.of(probes))
                .argv(List.of("tether-app", "--flag")).start();
        Interpreter main = python.mainInterpreter();
        main.run(ts -> {
            ts.exec("import os, sys, subprocess, multiprocessing");
            py(ts, "os.path.isabs(sys.executable) and os.access(sys.executable, os.X_OK)", "sys.executable usable");
            py(ts, "'decoy' not in sys.executable and 'decoy' not in sys.prefix", "PATH chose the interpreter");
            py(ts, "subprocess.run([sys.executable, '-c', 'import sys; print(sys.version_info[:2])'],"
                    + " capture_output=True, text=True).stdout.strip() == str(sys.version_info[:2])",
                    "sys.executable is another version");
            py(ts, "multiprocessing.get_start_method() == ('spawn' if sys.version_info < (3, 14) else 'forkserver')",
                    "multiprocessing's default start method is not JVM-safe");
            py(ts, "__import__('tether_path_probe').pool_squares('spawn') == [i * i for i in range(10)]",
                    "spawn Pool.map");
            py(ts, "__import__('tether_path_probe').pool_squares(None) == [i * i for i in range(10)]",
                    "default Pool.map");
            String made = quote(probes.resolve("made-venv").toString());
            py(ts, "__import__('venv').EnvBuilder(with_pip=False).create(" + made + ") is None and ('version = %d.%d.'"
                    + " % sys.version_info[:2]) in open(" + made + " + '/pyvenv.cfg').read()",
                    "the venv module makes an environment of this version");
        });
        String text = python.toString();
        PythonEnvironment env = python.environment();
        check(env.executable().isPresent() && text.contains("executable " + env.executable().get())
                && text.contains("sys.path [" + probes.toAbsolutePath()), "toString: " + text);
        count("checks");
        Interpreter legacy = python.newInterpreter(InterpreterConfig.legacy());
        for (Interpreter i : List.of(main, python.newInterpreter(), legacy)) {
            checkEverywhere(i, probes);
        }
        python.close();
    }

    /** sys.argv and sys.path in {@code interpreter}, and os.fork() refused (where CPython would allow it). */
    private void checkEverywhere(Interpreter interpreter, Path probes) {
        interpreter.run(ts -> {
            ts.exec("import os, sys");
            py(ts, "sys.argv == ['tether-app', '--flag']", "sys.argv in " + interpreter);
            py(ts, "sys.path[0] == " + quote(probes.toAbsolutePath().toString()), "sys.path[0] in " + interpreter);
            py(ts, "__import__('tether_path_probe').square(7) == 49", "pythonPath import in " + interpreter);
            ts.exec("try:\n    os.fork()\n    refused = 'forked?!'\nexcept RuntimeError as e:\n    refused = str(e)\n");
            py(ts, "'refused in a JVM' in refused or 'not supported' in refused", "fork in " + interpreter);
        });
    }

    private void venv(Path venv, boolean systemSite, Path wrong) throws Exception {
        expectInvalid(() -> PythonRuntime.builder().virtualEnvironment(wrong).start(), "was made by CPython 3.");
        expectInvalid(() -> PythonRuntime.builder().virtualEnvironment(venv).executable(Path.of("/bin/sh")).start(),
                "virtualEnvironment(");
        PythonRuntime python = PythonRuntime.builder().virtualEnvironment(venv).start();
        String v = quote(venv.toString());
        python.mainInterpreter().run(ts -> {
            ts.exec("import os, sys, subprocess, sysconfig");
            py(ts, "os.path.samefile(sys.prefix, " + v + ") and sys.prefix == sys.exec_prefix", "sys.prefix");
            py(ts, "not os.path.samefile(sys.base_prefix, " + v + ")", "sys.base_prefix");
            py(ts, "sys.executable.startswith(" + v + ") and os.access(sys.executable, os.X_OK)", "sys.executable");
            py(ts, "subprocess.run([sys.executable, '-c', 'import sys; print(sys.prefix)'], capture_output=True,"
                    + " text=True).stdout.strip() == sys.prefix", "a subprocess runs in the venv");
            py(ts, "sysconfig.get_paths()['purelib'].startswith(" + v + ")", "sysconfig's purelib");
            String base = "[p for p in sys.path if p.startswith(sys.base_prefix) and p.endswith(('site-packages',"
                    + " 'dist-packages'))]";
            py(ts, systemSite ? "len(" + base + ") > 0" : base + " == []", "system site-packages " + systemSite);
        });
        for (Interpreter i : List.of(python.mainInterpreter(), python.newInterpreter(),
                python.newInterpreter(InterpreterConfig.legacy()))) {
            i.run(ts -> py(ts, "__import__('tether_venv_probe').WHERE == 'venv'", "the venv's package in " + i));
        }
        check(python.environment().virtualEnvironment().isPresent(), "environment() names the venv");
        count("checks");
        python.close();
    }

    private void expectInvalid(Runnable start, String text) {
        try {
            start.run();
            throw new AssertionError("started although it should be refused (" + text + ")");
        } catch (ThreadStateException e) {
            check(e.code() == ErrorCode.INVALID_CONFIGURATION && e.getMessage().contains(text), "refusal: " + e);
            System.out.println("refused as expected: " + e.getMessage());
            count("checks");
        }
    }

    private void py(ThreadState ts, String expression, String what) {
        check(Boolean.TRUE.equals(ts.eval(expression)), what + ": " + expression);
        count("checks");
    }

    static String quote(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    // ---- the suites ---------------------------------------------------------------------------------------------

    /** sys.executable, sys.argv, pythonPath, subprocess and multiprocessing, fork refused. */
    public static void defaultsSuite(PythonInstall python) {
        Fixtures.interpreter(python); // a build without one (sid's libpython alone) is skipped, saying so
        Path probes = Fixtures.folder("tether-probes-");
        Fixtures.write(probes.resolve("tether_path_probe.py"), """
                import multiprocessing

                def square(x):
                    return x * x

                def pool_squares(method):
                    context = multiprocessing.get_context(method)
                    with context.Pool(2) as pool:
                        return pool.map(square, range(10))
                """);
        Path decoy = Fixtures.folder("tether-decoy-");
        Fixtures.write(decoy.resolve("pyvenv.cfg"), "home = /nonexistent\nversion = 3.99.0\n");
        Fixtures.write(decoy.resolve("bin/python3"), "#!/bin/sh\nexit 3\n").toFile().setExecutable(true);
        Outcome o = ScenarioRunner.run(python, Environments.class, Duration.ofMinutes(3),
                Map.of("PATH", decoy.resolve("bin") + ":" + System.getenv("PATH")), List.of(), "defaults",
                probes.toString());
        Verdicts.clean(o);
        long expected = DEFAULT_CHECKS + 3L * CHECKS_PER_INTERPRETER;
        Verdicts.require(o.count("checks") == expected, "expected " + expected + " checks", o);
    }

    /** Virtual environments made by the build's own interpreter. */
    public static void venvSuite(PythonInstall python) {
        Path dir = Fixtures.folder("tether-venvs-");
        Path plain = Fixtures.venv(python, dir.resolve("plain"), false);
        Path withSystem = Fixtures.venv(python, dir.resolve("system"), true);
        Path wrong = dir.resolve("wrong");
        Fixtures.write(wrong.resolve("pyvenv.cfg"), "home = " + Fixtures.interpreter(python).getParent()
                + "\nversion = 3." + (python.minor() == 9 ? 10 : 9) + ".0\n");
        for (Object[] c : new Object[][] {{plain, false}, {withSystem, true}}) {
            Outcome o = ScenarioRunner.run(python, Environments.class, Duration.ofMinutes(2), "venv", c[0].toString(),
                    c[1].toString(), wrong.toString());
            Verdicts.clean(o);
            Verdicts.require(o.count("checks") == VENV_CHECKS + 2, "expected " + (VENV_CHECKS + 2) + " checks", o);
        }
    }
}
