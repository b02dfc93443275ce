package dev.tether.scenarios;

import dev.tether.Interpreter;
import dev.tether.PythonRuntime;
import dev.tether.ThreadState;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The JVM is told to exit ({@code System.exit(n)}, SIGTERM, SIGINT) at a random moment while Java threads are
 * inside Python (platform threads attaching in loops, virtual threads calling) and while threads that Python code
 * started, in the main interpreter and a subinterpreter, spin, sleep or print (started from Java threads: so not
 * daemons, F-DAEMON-INHERIT; and some explicit daemons). The shutdown hook closes the runtime within its timeout
 * or gives up (a thread blocked in a long {@code time.sleep} cannot be stopped); either way the process must end
 * with the status asked for, with no "Fatal Python error" and no crash log, within the timeout plus one grace
 * period plus {@link #EXIT_MARGIN_MILLIS}.
 *
 * <p>Arguments: {@code seed exitKind workloads timeoutMillis}; exit kinds {@code exit:N}, {@code term}, {@code int};
 * workloads are letters ({@link #WORKLOADS}).
 */
public final class ExitStorm extends Scenario {
    /** a: platform threads attaching in loops; v: virtual threads calling; p/s: Python threads started from Java
     *  in main / the subinterpreter (spinning, sleeping in short steps, printing); d: explicit daemon Python threads
     *  printing in main; b: a Java thread blocked in a long time.sleep (the close cannot stop it: the hook gives up). */
    static final String WORKLOADS = "avpsdb";
    /** Runs per CPython (the issue asks for at least 50), and JVMs at once. */
    static final int RUNS = Integer.getInteger("tether.test.exitRuns", 50);
    static final int PARALLEL = 4;
    /** What the process may take beyond the timeout and grace: JVM exit, finalization, a loaded machine. */
    static final long EXIT_MARGIN_MILLIS = 2500;

    @Override
    protected boolean exitRunsShutdownHooks() {
        return true;
    }

    @Override
    protected void run(String[] args) throws Exception {
        Random random = new Random(Long.parseLong(args[0]));
        String kind = args[1];
        String workloads = args[2];
        int timeoutMillis = Integer.parseInt(args[3]);
        PythonRuntime python = PythonRuntime.builder().shutdownTimeout(Duration.ofMillis(timeoutMillis)).start();
        Interpreter main = python.mainInterpreter();
        Interpreter sub = python.newInterpreter();
        for (char w : workloads.toCharArray()) {
            start(w, main, sub, random);
        }
        Thread.sleep(30 + random.nextInt(300));
        System.out.println("@exit-requested " + System.currentTimeMillis());
        System.out.flush();
        switch (kind) {
            case "term" -> signal("TERM");
            case "int" -> signal("INT");
            default -> System.exit(Integer.parseInt(kind.substring(5)));
        }
        Thread.sleep(Long.MAX_VALUE); // the signal ends the JVM
    }

    private static void start(char workload, Interpreter main, Interpreter sub, Random random) {
        String pick = switch (random.nextInt(3)) {
            case 0 -> "spin";
            case 1 -> "sleep";
            default -> "print";
        };
        switch (workload) {
            case 'a' -> {
                for (int i = 0; i < 2; i++) {
                    boolean daemon = random.nextBoolean();
                    Thread.ofPlatform().daemon(daemon).start(() -> attachLoop(random.nextBoolean() ? main : sub));
                }
            }
            case 'v' -> {
                for (int i = 0; i < 4; i++) {
                    Interpreter target = i % 2 == 0 ? main : sub;
                    Thread.ofVirtual().start(() -> callLoop(target));
                }
            }
            case 'p' -> pythonThreads(main, pick, false);
            case 's' -> pythonThreads(sub, pick, false);
            case 'd' -> pythonThreads(main, "print", true);
            case 'b' -> Thread.ofPlatform().daemon().start(() -> quietly(() ->
                    (random.nextBoolean() ? main : sub).run(ts -> ts.exec("import time\ntime.sleep(600)"))));
            default -> throw new IllegalArgumentException("workload " + workload);
        }
    }

    private static void attachLoop(Interpreter interpreter) {
        quietly(() -> {
            for (long i = 0; ; i++) {
                try (ThreadState ts = ThreadState.ensure(interpreter)) {
                    ts.eval("sum(range(200))");
                }
            }
        });
    }

    private static void callLoop(Interpreter interpreter) {
        quietly(() -> {
            while (true) {
                interpreter.call(ts -> ts.eval("[str(i) for i in range(100)]"));
            }
        });
    }

    /** Two threads started by Python code run on a Java thread, which returns at once. */
    private static void pythonThreads(Interpreter interpreter, String body, boolean daemon) {
        String loop = switch (body) {
            case "spin" -> "    while True:\n        sum(range(100))\n";
            case "sleep" -> "    while True:\n        time.sleep(0.01)\n";
            default -> "    while True:\n        print('tick', n, file=sys.stderr if n % 2 else sys.stdout)\n"
                    + "        time.sleep(0.001)\n";
        };
        quietly(() -> interpreter.run(ts -> ts.exec("import sys, threading, time\n"
                + "def work(n):\n" + loop
                + "for n in range(2):\n"
                + "    threading.Thread(target=work, args=(n,)" + (daemon ? ", daemon=True" : "") + ").start()\n")));
    }

    /** Runs until the JVM exits or the close refuses it; what it throws then is the expected end. */
    private static void quietly(Runnable body) {
        try {
            body.run();
        } catch (RuntimeException e) {
            // refused or interrupted by the close: expected at exit
        }
    }

    /** libc {@code kill(getpid(), sig)}: no {@code kill} program needed (the sid root of the extended matrix). */
    private static void signal(String name) throws Exception {
        Linker linker = Linker.nativeLinker();
        MethodHandle kill = linker.downcallHandle(linker.defaultLookup().find("kill").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        int signal = name.equals("TERM") ? 15 : 2;
        int rc;
        try {
            rc = (int) kill.invokeExact((int) ProcessHandle.current().pid(), signal);
        } catch (Throwable t) {
            throw new IllegalStateException("kill failed", t);
        }
        if (rc != 0) {
            throw new IllegalStateException("kill failed: " + rc);
        }
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** Each run's verdict, counted. */
    enum Result { FINALIZED, GAVE_UP_REPORTED }

    /**
     * {@link #RUNS} exits with random kinds, workloads, timing and timeouts, {@link #PARALLEL} JVMs at once; every
     * outcome counted: wrong status, "Fatal Python error", crash log, hang and late must all be 0.
     */
    public static void suite(PythonInstall python) {
        long base = Long.getLong("tether.test.exitSeed", System.nanoTime());
        boolean sigintWorks = !sigintIgnored();
        List<String[]> plans = new ArrayList<>();
        Random random = new Random(base);
        for (int i = 0; i < RUNS; i++) {
            String kind = switch (i % 3) {
                case 0 -> "exit:" + random.nextInt(1, 120);
                case 1 -> "term";
                default -> sigintWorks ? "int" : "term";
            };
            StringBuilder workloads = new StringBuilder();
            for (char w : WORKLOADS.toCharArray()) {
                if (random.nextInt(w == 'b' ? 4 : 2) == 0) {
                    workloads.append(w);
                }
            }
            if (workloads.isEmpty()) {
                workloads.append('p');
            }
            plans.add(new String[] {Long.toString(random.nextLong()), kind, workloads.toString(),
                    Integer.toString(100 + random.nextInt(400))});
        }
        Map<String, Long> counts = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        long begin = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(PARALLEL)) {
            List<Future<?>> runs = new ArrayList<>();
            for (String[] plan : plans) {
                runs.add(pool.submit(() -> judge(python, plan, counts, failures)));
            }
            for (Future<?> f : runs) {
                f.get();
            }
        } catch (Exception e) {
            throw new AssertionError("exit storm runner failed", e);
        }
        long seconds = (System.nanoTime() - begin) / 1_000_000_000;
        Verdicts.report(String.format("exit-storm CPython %-6s %d exits in %d s (seed %d%s): %s", python, RUNS,
                seconds, base, sigintWorks ? "" : "; SIGINT is ignored here, SIGTERM used instead", counts));
        if (!failures.isEmpty()) {
            throw new AssertionError(failures.size() + " of " + RUNS + " exits failed " + counts + "\n"
                    + String.join("\n\n", failures.subList(0, Math.min(3, failures.size()))));
        }
    }

    private static void judge(PythonInstall python, String[] plan, Map<String, Long> counts, List<String> failures) {
        Outcome o = ScenarioRunner.run(python, ExitStorm.class, Duration.ofSeconds(60), plan);
        long ended = System.currentTimeMillis();
        String kind = plan[1];
        int expected = kind.equals("term") ? 143 : kind.equals("int") ? 130 : Integer.parseInt(kind.substring(5));
        long timeout = Long.parseLong(plan[3]);
        long bound = timeout + 1000 + EXIT_MARGIN_MILLIS; // grace(timeout < 1 s) = 1 s
        Long requested = null;
        for (String line : o.output().split("\n")) {
            if (line.startsWith("@exit-requested ")) {
                requested = Long.parseLong(line.substring(16).trim());
            }
        }
        List<String> wrong = new ArrayList<>();
        if (o.timedOut()) {
            wrong.add("hang");
        } else if (o.exitCode() != expected) {
            wrong.add("wrongStatus");
        }
        if (o.output().contains("Fatal Python error")) {
            wrong.add("fatalPythonError");
        }
        if (!o.crashLogs().isEmpty()) {
            wrong.add("crashLog");
        }
        if (requested == null) {
            wrong.add("neverRequested");
        } else if (ended - requested > bound) {
            wrong.add("late");
        }
        String result = o.output().contains("was not closed at JVM exit") ? "gaveUpReported" : "finalized";
        synchronized (counts) {
            counts.merge("exits", 1L, Long::sum);
            counts.merge(kind.startsWith("exit") ? "exit(n)" : kind.equals("term") ? "SIGTERM" : "SIGINT", 1L,
                    Long::sum);
            if (wrong.isEmpty()) {
                counts.merge("ok", 1L, Long::sum);
                counts.merge(result, 1L, Long::sum);
            }
            for (String w : wrong) {
                counts.merge(w, 1L, Long::sum);
            }
            if (!wrong.isEmpty()) {
                failures.add(wrong + " (expected status " + expected + ", bound " + bound + " ms, took "
                        + (requested == null ? "?" : ended - requested) + " ms) " + o.describe());
            }
        }
    }

    /** Whether this JVM (and so the ones it starts) ignores SIGINT, as background jobs of a shell do. */
    private static boolean sigintIgnored() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 0x2) != 0;
                }
            }
        } catch (Exception e) {
            // not Linux: assume not
        }
        return false;
    }
}
