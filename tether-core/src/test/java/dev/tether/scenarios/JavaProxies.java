package dev.tether.scenarios;

import dev.tether.ErrorCode;
import dev.tether.HostAccess;
import dev.tether.Interpreter;
import dev.tether.PyObject;
import dev.tether.PythonCallable;
import dev.tether.PythonException;
import dev.tether.PythonRuntime;
import dev.tether.TestAccess;
import dev.tether.ThreadState;
import dev.tether.ThreadStateException;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Proxies of Java objects (under {@code HostAccess.ALL}): overload resolution by the conversion table, row by row;
 * exceptions both ways through Java→Python→Java→Python at depth 4; identity, {@code str}/{@code repr}/{@code ==}/
 * {@code hash}, {@code isinstance}; fields, bean getters and setters; use from {@code threading.Thread}s in the main
 * interpreter and in a subinterpreter; a typed error after the interpreter closed, which released the Java object;
 * and the reference cycle through both heaps (kept until broken, then reclaimed).
 */
public final class JavaProxies extends Scenario {
    /** A shape; its implementations are public. */
    public interface Shape {
        double area();
    }

    /** A circle. */
    public static class Circle implements Shape {
        @Override
        public double area() {
            return 3.0;
        }
    }

    /** A square. */
    public static class Square implements Shape {
        @Override
        public double area() {
            return 4.0;
        }
    }

    /** Overloads to resolve. */
    public static class Over {
        public String f(long x) {
            return "long";
        }

        public String f(int x) {
            return "int";
        }

        public String f(double x) {
            return "double";
        }

        public String f(String x) {
            return "String";
        }

        public String f(boolean x) {
            return "boolean";
        }

        public String f(Object x) {
            return "Object";
        }

        public String f(List<?> x) {
            return "List";
        }

        public String f(Map<?, ?> x) {
            return "Map";
        }

        public String f(byte[] x) {
            return "bytes";
        }

        public String f(Shape x) {
            return "Shape";
        }

        public String f(Circle x) {
            return "Circle";
        }

        public String narrow(int x) {
            return "int";
        }

        public String narrow(short x) {
            return "short";
        }

        public String narrow(byte x) {
            return "byte";
        }

        public String pair(int a, long b) {
            return "int,long";
        }

        public String pair(long a, int b) {
            return "long,int";
        }

        public String box(long x) {
            return "long";
        }

        public String box(Long x) {
            return "Long";
        }

        public String chars(char c) {
            return "char";
        }

        public String chars(String s) {
            return "String";
        }

        public String real(float x) {
            return "float";
        }

        public String real(double x) {
            return "double";
        }

        public String num(Number n) {
            return "Number";
        }

        public String num(Object o) {
            return "Object";
        }

        public String text(CharSequence s) {
            return "CharSequence:" + s;
        }

        public long sum(int[] xs) {
            long s = 0;
            for (int x : xs) {
                s += x;
            }
            return s;
        }

        public String join(String... xs) {
            return String.join(",", xs);
        }

        public String py(PyObject o) {
            return o.typeName();
        }

        public String big(java.math.BigInteger b) {
            return b.toString();
        }

        public Object apply(java.util.function.Function<Object, Object> f) {
            return f.apply("x");
        }

        public int combine(java.util.function.IntBinaryOperator op) {
            return op.applyAsInt(2, 3);
        }

        public List<String> sort(List<String> xs, java.util.Comparator<String> order) {
            List<String> copy = new java.util.ArrayList<>(xs);
            copy.sort(order);
            return copy;
        }

        public volatile Runnable kept;

        public void keep(Runnable r) {
            kept = r;
        }
    }

    /** {Python expression, expected result, or "!" + words the TypeError must contain}. */
    private static final String[][] OVERLOADS = {
        {"o.f(1)", "long"}, {"o.f(2**40)", "long"}, {"o.f(2**70)", "Object"}, {"o.f(1.5)", "double"},
        {"o.f('s')", "String"}, {"o.f(True)", "boolean"}, {"o.f([1])", "List"}, {"o.f((1,))", "List"},
        {"o.f({'a': 1})", "Map"}, {"o.f(b'x')", "bytes"}, {"o.f(bytearray(b'x'))", "bytes"},
        {"o.f(circle)", "Circle"}, {"o.f(square)", "Shape"}, {"o.f(object())", "Object"}, {"o.f({1})", "Object"},
        {"o.f(None)", "!ambiguous f(String) f(List)"}, {"o.f(1, 2)", "!No overload f(long)"},
        {"o.narrow(1)", "int"}, {"o.narrow(2**20)", "int"}, {"o.narrow(2**40)", "!No overload narrow(int)"},
        {"o.pair(1, 1)", "!ambiguous pair(int, long) pair(long, int)"}, {"o.pair(2**40, 1)", "long,int"},
        {"o.box(1)", "long"}, {"o.chars('a')", "String"}, {"o.chars('ab')", "String"},
        {"o.real(1.5)", "double"}, {"o.real(1)", "double"}, {"o.num(1)", "Number"}, {"o.num(2.5)", "Number"},
        {"o.num('x')", "Object"}, {"o.text('x')", "CharSequence:x"}, {"o.sum([1, 2, 3])", "6"},
        {"o.sum((4, 5))", "9"}, {"o.sum([2**40])", "!sum(int[])"}, {"o.join(['a', 'b'])", "a,b"},
        {"o.py(object())", "object"}, {"o.big(2**70)", "1180591620717411303424"}, {"o.big(7)", "7"},
        {"o.f(x=1)", "!positional"}, {"o.sum('abc')", "!sum"},
        {"o.apply(lambda s: s + '!')", "x!"}, {"o.combine(lambda a, b: a * b)", "6"},
        {"o.sort(['b', 'a', 'c'], lambda x, y: (x > y) - (x < y))", "['a', 'b', 'c']"},
        {"o.combine(lambda a, b: 'no')", "!IntBinaryOperator"}, {"o.keep(lambda: hits.append(1))", "None"},
    };

    /** A value class: equal by content. */
    public static final class Point {
        public final int x;
        public final int y;

        public Point(int x, int y) {
            this.x = x;
            this.y = y;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Point p && p.x == x && p.y == y;
        }

        @Override
        public int hashCode() {
            return Objects.hash(x, y);
        }

        @Override
        public String toString() {
            return "Point(" + x + ", " + y + ")";
        }
    }

    /** A base and a subclass, for isinstance. */
    public static class Base {
        public String who() {
            return "base";
        }
    }

    /** A subclass. */
    public static class Sub extends Base {
        @Override
        public String who() {
            return "sub";
        }
    }

    /** Bean properties and fields. */
    public static class Bean {
        public int field = 1;
        public final String constant = "fixed";
        private long count;
        private boolean open = true;

        public long getCount() {
            return count;
        }

        public void setCount(long count) {
            this.count = count;
        }

        public boolean isOpen() {
            return open;
        }
    }

    /** Relays calls between Java and Python, {@code n} levels deep. */
    public static class Relay {
        public PyObject down;
        public final IllegalStateException deep = new IllegalStateException("deep");

        public long relay(long n) {
            if (n == 0) {
                throw deep;
            }
            return (Long) down.invoke(this, n - 1) + 1;
        }

        public long sum(long n) {
            return n == 0 ? 0 : (Long) down.invoke(this, n - 1) + n;
        }
    }

    /** A counter used from many threads. */
    public static class Counter {
        public final AtomicLong value = new AtomicLong();

        public long add(long n) {
            return value.addAndGet(n);
        }
    }

    /** Holds a Python object: the cross-boundary cycle. */
    public static class Holder {
        public PyObject held;

        public void hold(PyObject o) {
            held = o;
        }
    }

    @Override
    protected void run(String[] args) throws Exception {
        PythonRuntime python = PythonRuntime.builder().hostAccess(HostAccess.ALL).start();
        Interpreter main = python.mainInterpreter();
        try (ThreadState ts = ThreadState.ensure(main)) {
            overloads(ts);
            exceptionsBothWays(ts);
            identity(ts);
            properties(ts);
        }
        threads(main, "main");
        Interpreter sub = python.newInterpreter();
        threads(sub, "sub");
        closedInterpreter(sub);
        cycle(main);
        python.close();
    }

    private void overloads(ThreadState ts) {
        PyObject scope = ts.evalObject("{}");
        scope.setItem("o", new Over());
        scope.setItem("circle", new Circle());
        scope.setItem("square", new Square());
        ts.exec(String.join("\n",
                "def call(code, scope):",
                "    try:",
                "        return str(eval(code, scope))",
                "    except TypeError as e:",
                "        return '!' + str(e)",
                ""));
        ts.exec("hits = []", scope);
        PyObject call = ts.globals().getItem("call");
        for (String[] row : OVERLOADS) {
            String got = (String) call.invoke(row[0], scope);
            if (row[1].startsWith("!")) {
                boolean all = got.startsWith("!");
                for (String word : row[1].substring(1).split(" ")) {
                    all &= got.contains(word);
                }
                check(all, row[0] + ": expected a TypeError naming " + row[1] + ", got " + got);
            } else {
                check(row[1].equals(got), row[0] + ": expected " + row[1] + ", got " + got);
            }
            count("overloadRows");
        }
        Over over = (Over) ts.eval("o", scope);
        ts.detached(() -> { // a Python callable, kept by Java and run later on another thread
            Thread later = Thread.ofPlatform().start(() -> over.kept.run());
            try {
                later.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        check(Long.valueOf(1).equals(ts.eval("len(hits)", scope)),
                "a Python implementation of Runnable ran on another Java thread");
        count("overloadRows");
    }

    /** Java→Python→Java→Python... four levels deep, a Java exception from the bottom, then a Python one. */
    private void exceptionsBothWays(ThreadState ts) {
        ts.exec(String.join("\n",
                "seen = []",
                "def down(r, n):",
                "    try:",
                "        return r.relay(n)",
                "    except RuntimeError as e:",
                "        seen.append((type(e).__module__ + '.' + type(e).__name__, str(e), id(e)))",
                "        raise",
                "def adds(r, n):",
                "    return r.sum(n)",
                ""));
        Relay relay = new Relay();
        relay.down = ts.globals().getItem("down");
        PythonException e = expect(() -> relay.down.invoke(relay, 4));
        check(e.pythonType().equals("java.lang.IllegalStateException") && e.pythonMessage().equals("deep"),
                "type and message kept: " + e.getMessage());
        check(e.getCause() == relay.deep, "the original Java exception is the cause: " + e.getCause());
        @SuppressWarnings("unchecked")
        List<List<Object>> seen = (List<List<Object>>) ts.eval("[list(x) for x in seen]");
        check(seen.size() == 5, "every Python level saw the exception: " + seen);
        check(seen.stream().allMatch(s -> s.get(0).equals("java.lang.IllegalStateException")
                && s.get(1).equals("deep") && s.get(2).equals(seen.getFirst().get(2))),
                "the same Python exception object at every level: " + seen);
        count("exceptionChecks", 3);

        ts.exec(String.join("\n",
                "ids = []",
                "def pydown(r, n):",
                "    if n == 0:",
                "        raise ValueError('from the bottom')",
                "    try:",
                "        return r.relay(n)",
                "    except ValueError as e:",
                "        ids.append(id(e))",
                "        raise",
                ""));
        relay.down = ts.globals().getItem("pydown");
        PythonException p = expect(() -> relay.down.invoke(relay, 3));
        check(p.pythonType().equals("ValueError") && p.pythonMessage().equals("from the bottom"),
                "a Python exception from depth 4 reaches Java: " + p.getMessage());
        check(Boolean.TRUE.equals(ts.eval("len(ids) == 3 and len(set(ids)) == 1")),
                "it crossed Java twice as the same object: " + ts.eval("ids"));
        relay.down = ts.globals().getItem("adds");
        check(Long.valueOf(15).equals(relay.down.invoke(relay, 5)), "values return through 5 levels each way");
        count("exceptionChecks", 3);
    }

    private void identity(ThreadState ts) {
        Point origin = new Point(0, 0);
        ts.globals().setItem("same", (Supplier<Object>) () -> origin);
        ts.globals().setItem("a", new Point(1, 2));
        ts.globals().setItem("b", new Point(1, 2));
        ts.globals().setItem("base", new Base());
        ts.globals().setItem("sub", new Sub());
        ts.globals().setItem("isOrigin", (PythonCallable) (x, kw) -> x.get(0) == origin);
        String[] truths = {
            "same() is same()", "a == b", "a is not b", "hash(a) == hash(b)", "{a: 1}[b] == 1",
            "str(a) == 'Point(1, 2)' and repr(a) == 'Point(1, 2)'", "a != same()", "isOrigin(same())",
            "isinstance(sub, type(base))", "not isinstance(base, type(sub))", "issubclass(type(sub), type(base))",
            "isinstance(sub, type(sub))", "sub.who() == 'sub' and base.who() == 'base'",
            "type(a).__java_class__ == 'dev.tether.scenarios.JavaProxies$Point'",
            "type(a).__qualname__ == 'JavaProxies.Point' and type(a).__module__ == 'dev.tether.scenarios'",
            "'who' in dir(sub)", "a.x == 1 and a.y == 2",
        };
        for (String t : truths) {
            check(Boolean.TRUE.equals(ts.eval(t)), "expected true: " + t);
            count("identityChecks");
        }
        check(ts.eval("same()") == origin, "a proxy comes back to Java as the same object");
        check(ts.evalObject("same()").as(Point.class) == origin, "as(Point.class) of a proxy is the object");
        count("identityChecks", 2);
    }

    private void properties(ThreadState ts) {
        Bean bean = new Bean();
        ts.globals().setItem("bean", bean);
        ts.exec("bean.count = 5\nbean.field = 7\n");
        check(bean.getCount() == 5 && bean.field == 7, "setter and field written");
        check(Boolean.TRUE.equals(ts.eval("bean.count == 5 and bean.getCount() == 5 and bean.open is True")),
                "getters as properties");
        ts.exec(String.join("\n",
                "def fails(code):",
                "    try:",
                "        exec(code, globals())",
                "    except (AttributeError, TypeError) as e:",
                "        return type(e).__name__",
                "    return None",
                ""));
        PyObject fails = ts.globals().getItem("fails");
        check("AttributeError".equals(fails.invoke("bean.constant = 'x'")), "a final field is read-only");
        check("AttributeError".equals(fails.invoke("bean.open = False")), "a getter without setter is read-only");
        check("AttributeError".equals(fails.invoke("bean.missing = 1")), "no such member");
        check("TypeError".equals(fails.invoke("bean.field = 'x'")), "a field converts strictly");
        check("fixed".equals(ts.eval("bean.constant")), "a final field reads");
        count("propertyChecks", 7);
    }

    /** Eight threading.Threads call a proxy 2 000 times each; Java sees all 16 000. */
    private void threads(Interpreter interpreter, String where) {
        Counter counter = new Counter();
        interpreter.run(ts -> {
            ts.globals().setItem("counter", counter);
            ts.exec(String.join("\n",
                    "import threading",
                    "def work():",
                    "    for _ in range(2000):",
                    "        counter.add(1)",
                    "workers = [threading.Thread(target=work) for _ in range(8)]",
                    "for w in workers: w.start()",
                    "for w in workers: w.join()",
                    "del counter",
                    ""));
        });
        check(counter.value.get() == 16_000, where + ": Java saw " + counter.value.get() + " of 16000 calls");
        count("threadCalls", counter.value.get());
    }

    /** After its interpreter closed, a proxy fails with a typed error, and its Java object was released. */
    private void closedInterpreter(Interpreter sub) throws InterruptedException {
        Object[] made = proxyIn(sub);
        PyObject proxy = (PyObject) made[0];
        @SuppressWarnings("unchecked")
        WeakReference<Counter> weak = (WeakReference<Counter>) made[1];
        check(Long.valueOf(3).equals(proxy.callMethod("add", 3).toJava()), "the proxy works from Java");
        sub.close();
        try {
            proxy.callMethod("add", 1);
            check(false, "a proxy of a closed interpreter was usable");
        } catch (ThreadStateException e) {
            check(e.code() == ErrorCode.INTERPRETER_CLOSED, "code " + e.code());
        }
        check(collected(weak), "closing the interpreter released the Java object of its proxy");
        count("closedChecks", 3);
    }

    /** {a proxy of a new Counter kept in {@code sub}'s globals, a weak reference to the Counter}. */
    private static Object[] proxyIn(Interpreter sub) {
        Counter counter = new Counter();
        PyObject p = sub.call(ts -> {
            PyObject made = ts.toPython(counter);
            ts.globals().setItem("kept", made);
            return made;
        });
        return new Object[] {p, new WeakReference<>(counter)};
    }

    /**
     * A Java object holding a Python object that holds the Java object's proxy: neither collector sees the whole
     * cycle, so it stays until one side lets go; the interpreter's close would break it too.
     */
    private void cycle(Interpreter main) throws InterruptedException {
        int before = stableProxies(main); // proxies of earlier sections may still be waiting for the collectors
        WeakReference<Holder> weak = main.call(ts -> {
            Holder holder = new Holder();
            ts.globals().setItem("h", holder);
            ts.exec("class Box:\n    pass\nbox = Box()\nbox.h = h\nh.hold(box)\ndel h, box\n");
            return new WeakReference<>(holder);
        });
        main.run(ts -> ts.exec("import gc; gc.collect()"));
        check(!collected(weak), "the cycle through both heaps was reclaimed: the guide must say so");
        check(TestAccess.liveProxies(main) >= before + 1, "the proxy of the cycle is alive");
        weak.get().held.close();  // break it on the Java side
        main.run(ts -> ts.exec("gc.collect()"));
        check(collected(weak), "the broken cycle was reclaimed");
        check(settledProxies(main, before), "the proxy of the cycle was released");
        count("cycleChecks", 4);
    }

    private static boolean collected(WeakReference<?> weak) throws InterruptedException {
        for (int i = 0; i < 20 && weak.get() != null; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return weak.get() == null;
    }

    /** The number of live proxies once both collectors have nothing more to free. */
    private static int stableProxies(Interpreter main) throws InterruptedException {
        int last = -1;
        for (int i = 0; i < 20; i++) {
            System.gc();
            Thread.sleep(50);
            main.run(ts -> ts.exec("import gc; gc.collect()"));
            int now = TestAccess.liveProxies(main);
            if (now == last) {
                return now;
            }
            last = now;
        }
        return last;
    }

    private static boolean settledProxies(Interpreter main, int expected) throws InterruptedException {
        for (int i = 0; i < 20; i++) {
            System.gc();
            Thread.sleep(50);
            main.run(ts -> ts.exec("gc.collect()"));
            if (TestAccess.liveProxies(main) == expected) {
                return true;
            }
        }
        return false;
    }

    private PythonException expect(Runnable action) {
        try {
            action.run();
        } catch (PythonException e) {
            return e;
        }
        throw new AssertionError("expected a PythonException");
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** Checks counted above. */
    static final int IDENTITY_CHECKS = 19;
    static final int EXCEPTION_CHECKS = 6;
    static final int PROPERTY_CHECKS = 7;
    static final int THREAD_CALLS = 2 * 16_000;

    /** Runs and judges the scenario on {@code python}. */
    public static void suite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, JavaProxies.class, Duration.ofMinutes(2));
        Verdicts.clean(o);
        Verdicts.require(o.count("overloadRows") == OVERLOADS.length + 1, "overload table", o);
        Verdicts.require(o.count("exceptionChecks") == EXCEPTION_CHECKS, "exceptions", o);
        Verdicts.require(o.count("identityChecks") == IDENTITY_CHECKS, "identity", o);
        Verdicts.require(o.count("propertyChecks") == PROPERTY_CHECKS, "properties", o);
        Verdicts.require(o.count("threadCalls") == THREAD_CALLS, "calls from Python threads", o);
        Verdicts.require(o.count("closedChecks") == 3 && o.count("cycleChecks") == 4, "lifetimes", o);
    }
}
