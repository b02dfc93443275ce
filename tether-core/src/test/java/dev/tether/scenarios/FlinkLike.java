package dev.tether.scenarios;

import dev.tether.HostAccess;
import dev.tether.Interpreter;
import dev.tether.PyObject;
import dev.tether.PythonException;
import dev.tether.PythonRuntime;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * PyFlink's thread mode, in small: Java hands a Python {@code process(record, ctx)} function a context object (a
 * counter, a {@code Map} state as a live view, a timer service) under {@code HostAccess.EXPLICIT}, and calls it
 * {@code records} times from a pool of Java threads. Python reads and updates the state through the view; Java sees
 * every update, every count and every timer: nothing lost. Argument: how many records.
 */
public final class FlinkLike extends Scenario {
    /** What the operator gives Python for each record. */
    public static final class Context {
        private final AtomicLong counter = new AtomicLong();
        private final PyObject state;
        private final TimerService timers = new TimerService();

        Context(PyObject state) {
            this.state = state;
        }

        @HostAccess.Export
        public long add(long n) {
            return counter.addAndGet(n);
        }

        @HostAccess.Export
        public PyObject state() {
            return state;
        }

        @HostAccess.Export
        public TimerService timers() {
            return timers;
        }

        /** Not exported: Python cannot reset the operator. */
        public void reset() {
            counter.set(0);
        }
    }

    /** Timers Python registers. */
    public static final class TimerService {
        final ConcurrentLinkedQueue<Long> registered = new ConcurrentLinkedQueue<>();

        @HostAccess.Export
        public void registerEventTimeTimer(long timestamp) {
            registered.add(timestamp);
        }
    }

    @Override
    protected void run(String[] args) throws Exception {
        int records = Integer.parseInt(args[0]);
        PythonRuntime python = PythonRuntime.builder().hostAccess(HostAccess.EXPLICIT).start();
        Interpreter main = python.mainInterpreter();
        Map<String, Long> state = new ConcurrentHashMap<>();
        PyObject process = main.call(ts -> {
            ts.exec(String.join("\n",
                    "def process(record, ctx):",
                    "    ctx.add(1)",
                    "    state = ctx.state()",
                    "    state['r%d' % record] = record * 2",
                    "    previous = state.get('r%d' % (record - 1))",
                    "    ctx.timers().registerEventTimeTimer(record + 1000)",
                    "    try:",
                    "        ctx.reset()",
                    "    except AttributeError:",
                    "        pass",
                    "    else:",
                    "        raise AssertionError('reset was reachable')",
                    "    return previous is None or previous == (record - 1) * 2",
                    ""));
            return ts.globals().getItem("process");
        });
        Context ctx = new Context(main.call(ts -> ts.view(state)));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Boolean>> results = new ArrayList<>(records);
        for (int r = 0; r < records; r++) {
            long record = r;
            results.add(pool.submit(() -> (Boolean) process.invoke(record, ctx)));
        }
        for (Future<Boolean> f : results) {
            try {
                check(f.get(), "Python read a wrong previous state");
                count("completed");
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof PythonException p) {
                    System.out.println("python: " + p.getMessage());
                }
                count("failed");
            }
        }
        pool.shutdown();
        count("records", records);
        count("counter", ctx.counter.get());
        count("stateEntries", state.size());
        long wrong = 0;
        for (int r = 0; r < records; r++) {
            Long v = state.get("r" + r);
            wrong += v != null && v == 2L * r ? 0 : 1;
        }
        count("stateWrong", wrong);
        count("timers", ctx.timers.registered.stream().distinct().count());
        python.close();
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    static final int RECORDS = 100_000;

    /** Runs and judges the scenario on {@code python}. */
    public static void suite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, FlinkLike.class, Duration.ofMinutes(5), String.valueOf(RECORDS));
        Verdicts.clean(o);
        long lost = RECORDS - o.count("completed");
        Verdicts.require(lost == 0 && o.count("failed") == 0, lost + " records lost or failed", o);
        Verdicts.require(o.count("counter") == RECORDS && o.count("stateEntries") == RECORDS
                && o.count("stateWrong") == 0 && o.count("timers") == RECORDS, "Java missed updates", o);
        Verdicts.report(String.format("flink-like CPython %-6s records=%d counter=%d state=%d timers=%d lost=%d",
                python, RECORDS, o.count("counter"), o.count("stateEntries"), o.count("timers"), lost));
    }
}
