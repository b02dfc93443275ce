package dev.tether.scenarios;

import dev.tether.HostAccess;
import dev.tether.Interpreter;
import dev.tether.PythonRuntime;
import dev.tether.TestAccess;
import dev.tether.ThreadState;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.lang.ref.WeakReference;
import java.time.Duration;

/**
 * Proxies created and dropped by the million: Python makes {@code count} Java objects through a proxy's method and
 * drops each proxy at once; afterwards no proxy is registered, the interpreter's object count (and, on debug builds,
 * {@code sys.gettotalrefcount()}) and the Java heap come back to where they were. A proxy Python keeps holds its
 * Java object alive; once Python lets go, the object is collected. Argument: how many proxies.
 */
public final class JavaObjectLifetime extends Scenario {
    /** The objects Python makes; each carries a payload so a leak would show in the heap. */
    public static final class Item {
        private final long[] payload = new long[16];

        public Item(long i) {
            payload[0] = i;
        }

        public long value() {
            return payload[0];
        }
    }

    /** Makes items; remembers the last one weakly. */
    public static final class Factory {
        public volatile WeakReference<Item> last;

        public Item make(long i) {
            Item item = new Item(i);
            last = new WeakReference<>(item);
            return item;
        }
    }

    @Override
    protected void run(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        PythonRuntime python = PythonRuntime.builder().hostAccess(HostAccess.ALL).start();
        Interpreter main = python.mainInterpreter();
        Factory factory = new Factory();
        main.run(ts -> {
            ts.globals().setItem("factory", factory);
            ts.exec(String.join("\n",
                    "import gc, sys",
                    "def churn(n):",
                    "    peak = 0",
                    "    total = 0",
                    "    for i in range(n):",
                    "        total += factory.make(i).value()",
                    "    return total",
                    ""));
            ts.exec("churn(10000)"); // warm up: the Python class of Item is made once
        });
        long[] before = settle(main);
        long expected = (long) n * (n - 1) / 2;
        long total = main.call(ts -> (Long) ts.eval("churn(" + n + ")"));
        check(total == expected, "every proxy worked: " + total + " != " + expected);
        long[] after = settle(main);
        count("proxies", n);
        count("gcObjectsBefore", before[0]);
        count("gcObjectsAfter", after[0]);
        count("heapBeforeKiB", before[1] / 1024);
        count("heapAfterKiB", after[1] / 1024);
        count("liveProxiesAfter", after[2] - before[2]);
        if (before[3] >= 0) {
            count("totalRefsBefore", before[3]);
            count("totalRefsAfter", after[3]);
            check(Math.abs(after[3] - before[3]) < 2_000, "sys.gettotalrefcount() " + before[3] + " -> " + after[3]);
        }
        check(after[2] == before[2], "proxies still registered: " + before[2] + " -> " + after[2]);
        check(after[0] - before[0] < 2_000, "gc objects " + before[0] + " -> " + after[0]);
        check(after[1] - before[1] < 32L << 20, "Java heap " + before[1] + " -> " + after[1]);
        keptAlive(main, factory);
        python.close();
    }

    /** A proxy Python holds keeps its Java object; once dropped, the object is collected. */
    private void keptAlive(Interpreter main, Factory factory) throws InterruptedException {
        main.run(ts -> ts.exec("kept = factory.make(-7)"));
        WeakReference<Item> weak = factory.last;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        check(weak.get() != null, "a proxy Python holds did not keep its Java object");
        check(Long.valueOf(-7).equals(main.call(ts -> ts.eval("kept.value()"))), "the kept proxy works");
        main.run(ts -> ts.exec("del kept"));
        for (int i = 0; i < 40 && weak.get() != null; i++) {
            System.gc();
            Thread.sleep(25);
        }
        check(weak.get() == null, "the Java object outlived its proxy");
        count("keptChecks", 3);
    }

    /** {gc objects, Java heap used, live proxies, total refs or -1} once both collectors are done. */
    private static long[] settle(Interpreter main) throws InterruptedException {
        long[] last = null;
        for (int i = 0; i < 20; i++) {
            System.gc();
            Thread.sleep(50);
            long[] now = main.call(ts -> {
                ts.exec("gc.collect()");
                return new long[] {(Long) ts.eval("len(gc.get_objects())"), heapUsed(),
                    TestAccess.liveProxies(main),
                    (Long) ts.eval("sys.gettotalrefcount() if hasattr(sys, 'gettotalrefcount') else -1")};
            });
            if (last != null && now[0] >= last[0] && now[2] >= last[2]) {
                return now;
            }
            last = now;
        }
        return last;
    }

    private static long heapUsed() {
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    static final int PROXIES = 1_000_000;

    /** Runs and judges the scenario on {@code python}. */
    public static void suite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, JavaObjectLifetime.class, Duration.ofMinutes(5),
                String.valueOf(PROXIES));
        Verdicts.clean(o);
        Verdicts.require(o.count("proxies") == PROXIES && o.count("keptChecks") == 3, "lifetime", o);
        Verdicts.report(String.format("proxy-churn CPython %-6s proxies=%d gcObjects=%d->%d heapKiB=%d->%d"
                        + " liveProxies+%d totalRefs=%s", python, o.count("proxies"), o.count("gcObjectsBefore"),
                o.count("gcObjectsAfter"), o.count("heapBeforeKiB"), o.count("heapAfterKiB"),
                o.count("liveProxiesAfter"), o.counters().containsKey("totalRefsBefore")
                        ? o.count("totalRefsBefore") + "->" + o.count("totalRefsAfter") : "n/a (release build)"));
    }
}
