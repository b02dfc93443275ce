package dev.tether.scenarios;

import dev.tether.Interpreter;
import dev.tether.PyObject;
import dev.tether.PythonRuntime;
import dev.tether.ThreadState;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Creates a great many Python objects through the bridge and drops every one without closing it: the Cleaner must
 * reclaim them, so the interpreter's object count (and, on debug builds, {@code sys.gettotalrefcount()}) comes back
 * to where it was, and the process's resident memory stays bounded. Argument: how many objects.
 */
public final class ObjectChurn extends Scenario {
    @Override
    protected void run(String[] args) throws Exception {
        int objects = Integer.parseInt(args[0]);
        PythonRuntime python = PythonRuntime.start();
        Interpreter main = python.mainInterpreter();
        main.run(ts -> ts.exec("import gc, sys\ndef make(i):\n    return [i, str(i)]\n"));
        settle(main);
        long objectsBefore = main.call(ts -> (Long) ts.eval("len(gc.get_objects())"));
        long refsBefore = totalRefs(main);
        long rssBefore = rssKiB();
        try (ThreadState ts = ThreadState.ensure(main)) {
            PyObject make = ts.globals().getItem("make");
            for (int i = 0; i < objects; i++) {
                make.call(i); // dropped at once, never closed
            }
            make.close();
        }
        long rssPeak = rssKiB();
        settle(main);
        long objectsAfter = main.call(ts -> (Long) ts.eval("len(gc.get_objects())"));
        long refsAfter = totalRefs(main);
        long rssAfter = rssKiB();
        count("objects", objects);
        count("gcObjectsBefore", objectsBefore);
        count("gcObjectsAfter", objectsAfter);
        count("rssBeforeKiB", rssBefore);
        count("rssPeakKiB", rssPeak);
        count("rssAfterKiB", rssAfter);
        if (refsBefore >= 0) {
            count("totalRefsBefore", refsBefore);
            count("totalRefsAfter", refsAfter);
            check(Math.abs(refsAfter - refsBefore) < 2_000, "sys.gettotalrefcount() " + refsBefore + " -> "
                    + refsAfter);
        }
        check(objectsAfter - objectsBefore < 2_000, "gc objects " + objectsBefore + " -> " + objectsAfter);
        python.close();
    }

    /** Collects Java garbage until the Cleaner has queued the dropped objects, then drops them in Python. */
    private static void settle(Interpreter main) throws InterruptedException {
        long previous = Long.MAX_VALUE;
        for (int i = 0; i < 20; i++) {
            System.gc();
            Thread.sleep(100);
            long now = main.call(ts -> {
                ts.exec("gc.collect()");
                return (Long) ts.eval("len(gc.get_objects())");
            });
            if (now >= previous) {
                return;
            }
            previous = now;
        }
    }

    private static long totalRefs(Interpreter main) {
        return main.call(ts -> (Long) ts.eval("sys.gettotalrefcount() if hasattr(sys, 'gettotalrefcount') else -1"));
    }

    private static long rssKiB() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D+", ""));
            }
        }
        return -1;
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** Runs and judges the scenario on {@code python}. */
    public static void suite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, ObjectChurn.class, Duration.ofMinutes(5), "1000000");
        Verdicts.clean(o);
        Verdicts.report(String.format("object-churn CPython %-6s objects=%d gcObjects=%d->%d totalRefs=%s"
                        + " rssKiB=%d/%d/%d (before/peak/after)", python, o.count("objects"),
                o.count("gcObjectsBefore"), o.count("gcObjectsAfter"),
                o.counters().containsKey("totalRefsBefore")
                        ? o.count("totalRefsBefore") + "->" + o.count("totalRefsAfter") : "n/a (release build)",
                o.count("rssBeforeKiB"), o.count("rssPeakKiB"), o.count("rssAfterKiB")));
    }
}
