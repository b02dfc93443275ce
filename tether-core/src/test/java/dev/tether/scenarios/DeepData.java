package dev.tether.scenarios;

import dev.tether.ConversionException;
import dev.tether.ErrorCode;
import dev.tether.Interpreter;
import dev.tether.PyObject;
import dev.tether.PythonRuntime;
import dev.tether.TestAccess;
import dev.tether.ThreadState;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deep and cyclic data through the conversion table, both ways, on a thread with a small stack: structures nested
 * {@value #DEPTH} deep convert (nothing recursive is left to overflow), cycles through lists and maps come out as
 * cycles, cycles through arrays are refused with a {@link ConversionException}, and no failure leaves a Python error
 * set or a reference behind.
 */
public final class DeepData extends Scenario {
    /** How deep the structures nest. */
    static final int DEPTH = 100_000;
    /** Stack of the thread that converts: far below what a recursive conversion of {@link #DEPTH} levels needs. */
    static final long STACK = 512 * 1024;

    @Override
    protected void run(String[] args) throws Exception {
        PythonRuntime python = PythonRuntime.start();
        Interpreter main = python.mainInterpreter();
        Throwable[] failure = new Throwable[1];
        Thread small = Thread.ofPlatform().name("small-stack").stackSize(STACK).start(() -> {
            try (ThreadState ts = ThreadState.ensure(main)) {
                ts.exec("""
                        def depth(x):
                            n = 0
                            while isinstance(x, (list, dict)) and x:
                                x = x[0] if isinstance(x, list) else next(iter(x.values()))
                                n += 1
                            return n
                        """);
                deepJavaToPython(ts);
                deepPythonToJava(ts);
                cycles(ts);
                refusalsLeaveNothing(ts);
            } catch (Throwable t) {
                failure[0] = t;
            }
        });
        small.join();
        if (failure[0] != null) {
            throw new AssertionError("on the small-stack thread", failure[0]);
        }
        python.close();
    }

    private void deepJavaToPython(ThreadState ts) {
        List<Object> list = new ArrayList<>();
        List<Object> innermost = list;
        for (int i = 0; i < DEPTH; i++) {
            List<Object> next = new ArrayList<>();
            innermost.add(next);
            innermost = next;
        }
        innermost.add(42L);
        PyObject converted = ts.toPython(list);
        check(ts.globals().getItem("depth").invoke(converted).equals((long) DEPTH + 1), "nested list depth");
        count("deepConverted");
        Map<Object, Object> map = new HashMap<>();
        Map<Object, Object> inner = map;
        for (int i = 0; i < DEPTH; i++) {
            Map<Object, Object> next = new HashMap<>();
            inner.put("k", next);
            inner = next;
        }
        inner.put("k", 1L);
        check(ts.globals().getItem("depth").invoke(map).equals((long) DEPTH + 1), "nested map depth");
        count("deepConverted");
        Object[] arrays = new Object[1];
        Object[] at = arrays;
        for (int i = 0; i < DEPTH; i++) {
            Object[] next = new Object[1];
            at[0] = next;
            at = next;
        }
        at[0] = "bottom";
        ts.globals().setItem("arrays", arrays);
        ts.exec("t = arrays\nfor _ in range(" + (DEPTH + 1) + "):\n    assert type(t) is tuple and len(t) == 1\n"
                + "    t = t[0]\n");
        check("bottom".equals(ts.eval("t")), "nested arrays become nested tuples");
        count("deepConverted");
    }

    private void deepPythonToJava(ThreadState ts) {
        ts.exec("deep = []\nx = deep\nfor _ in range(" + DEPTH + "):\n    y = []\n    x.append(y)\n    x = y\n"
                + "x.append('end')\n");
        Object value = ts.eval("deep");
        int depth = 0;
        while (value instanceof List<?> l && !l.isEmpty()) {
            value = l.get(0);
            depth++;
        }
        check(depth == DEPTH + 1 && "end".equals(value), "nested list to Java: depth " + depth);
        count("deepConverted");
        ts.exec("deepd = {}\nx = deepd\nfor _ in range(" + DEPTH + "):\n    y = {}\n    x['k'] = y\n    x = y\n"
                + "deept = ()\nfor _ in range(" + DEPTH + "):\n    deept = (deept,)\n");
        Object d = ts.eval("deepd");
        depth = 0;
        while (d instanceof Map<?, ?> m && !m.isEmpty()) {
            d = m.get("k");
            depth++;
        }
        check(depth == DEPTH, "nested dict to Java: depth " + depth);
        Object t = ts.eval("deept");
        depth = 0;
        while (t instanceof Object[] a && a.length == 1) {
            t = a[0];
            depth++;
        }
        check(depth == DEPTH, "nested tuple to Java: depth " + depth);
        count("deepConverted", 2);
    }

    private void cycles(ThreadState ts) {
        List<Object> self = new ArrayList<>();
        self.add(self);
        self.add("x");
        ts.globals().setItem("self_list", self);
        check(Boolean.TRUE.equals(ts.eval("self_list[0] is self_list and self_list[1] == 'x'")), "Java list cycle");
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("me", map);
        ts.globals().setItem("self_map", map);
        check(Boolean.TRUE.equals(ts.eval("self_map['me'] is self_map")), "Java map cycle");
        count("cycles", 2);
        ts.exec("a = [1]\na.append(a)\nd = {}\nd['d'] = d\nt = ([],)\nt[0].append(t)\n");
        List<?> a = (List<?>) ts.eval("a");
        check(a.get(1) == a, "Python list cycle to Java");
        Map<?, ?> d = (Map<?, ?>) ts.eval("d");
        check(d.get("d") == d, "Python dict cycle to Java");
        Object[] t = (Object[]) ts.eval("t");
        check(((List<?>) t[0]).get(0) == t, "Python cycle through a tuple to Java");
        count("cycles", 3);
        Object[] array = new Object[1];
        array[0] = array;
        expectRefused(ts, array, "contains itself");
        List<Object> holder = new ArrayList<>();
        Object[] through = {holder};
        holder.add(through);
        expectRefused(ts, through, "contains itself");
    }

    private void refusalsLeaveNothing(ThreadState ts) {
        long before = (Long) ts.eval("__import__('gc').collect() or len(__import__('gc').get_objects())");
        for (int i = 0; i < 1_000; i++) {
            List<Object> list = new ArrayList<>(List.of(1, "two", List.of(3.0, Map.of("k", List.of(4)))));
            list.add(new Object());
            expectRefused(ts, list, "No Python conversion");
            expectRefused(ts, Map.of(List.of(1), 2), "dict key");
        }
        long after = (Long) ts.eval("__import__('gc').collect() or len(__import__('gc').get_objects())");
        check(after - before < 100, "refused conversions left objects behind: " + before + " -> " + after);
        count("refusalsClean");
    }

    private void expectRefused(ThreadState ts, Object value, String why) {
        try {
            ts.toPython(value).close();
        } catch (ConversionException e) {
            check(e.code() == ErrorCode.CONVERSION_FAILED && e.getMessage().contains(why),
                    "refusal says '" + e.getMessage() + "', expected '" + why + "'");
            check(!TestAccess.errorPending(), "a refused conversion left a Python error set");
            count("refused");
            return;
        }
        throw new AssertionError("expected a refusal: " + why);
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** Deep structures converted above: list, map and arrays to Python; list, dict and tuple to Java. */
    static final int DEEP_CONVERTED = 6;
    /** Cycles preserved: two from Java, three from Python. */
    static final int CYCLES = 5;
    /** Refused conversions: two cycles through arrays, and two per round of {@link #refusalsLeaveNothing}. */
    static final int REFUSED = 2 + 2 * 1_000;

    /** Runs and judges the scenario on {@code python}. */
    public static void suite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, DeepData.class, Duration.ofMinutes(2));
        Verdicts.clean(o);
        Verdicts.require(o.count("deepConverted") == DEEP_CONVERTED && o.count("cycles") == CYCLES
                && o.count("refused") == REFUSED && o.count("refusalsClean") == 1, "checks missing", o);
        Verdicts.report(String.format("deep-data CPython %-6s depth=%d converted=%d cycles=%d refused=%d",
                python, DEPTH, o.count("deepConverted"), o.count("cycles"), o.count("refused")));
    }
}
