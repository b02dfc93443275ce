package dev.tether.bench;

import dev.tether.HostAccess;
import dev.tether.PyObject;
import dev.tether.PythonCallable;
import dev.tether.PythonRuntime;
import dev.tether.ThreadState;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Python calling Java, per call, in one run: a method of a Java object through its proxy ({@code ctx.add(1)}), a
 * {@link PythonCallable} ({@code add(1)}), a pure-Python method ({@code p.add(1)}) for scale, and a proxy's bean
 * property ({@code ctx.count}) and a live map view's store ({@code state['k'] = 1}). Each invocation runs a Python
 * loop of {@value #CALLS} calls from an attached platform thread; {@code emptyLoop} is that loop's own cost, to
 * subtract.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Threads(1)
public class JavaObjectCallBenchmark {
    /** Calls per invocation: enough that the Java→Python call around the loop does not count. */
    static final int CALLS = 1000;

    /** The context Python calls into. */
    public static final class Context {
        private long count;

        public long add(long n) {
            return count += n;
        }

        public long getCount() {
            return count;
        }
    }

    /** A runtime whose policy lets the context cross as a proxy (one per forked JVM). */
    @State(Scope.Benchmark)
    public static class HostPython {
        PythonRuntime runtime;

        /** Starts CPython with {@code HostAccess.ALL}. */
        @Setup
        public void start() {
            runtime = PythonRuntime.builder().hostAccess(HostAccess.ALL).start();
            System.out.println("# Tether: CPython " + runtime.version() + " from " + runtime.location());
        }

        /** Finalizes CPython. */
        @TearDown
        public void close() {
            runtime.close();
        }
    }

    /** The benchmark thread, attached for the whole trial, with the loops defined. */
    @State(Scope.Thread)
    public static class Loops {
        ThreadState ts;
        PyObject proxyCall;
        PyObject callableCall;
        PyObject pythonCall;
        PyObject propertyRead;
        PyObject viewStore;
        PyObject emptyLoop;
        final Map<String, Long> state = new ConcurrentHashMap<>();

        /** Attaches this thread and defines the loops. */
        @Setup(Level.Trial)
        public void attach(HostPython python) {
            ts = ThreadState.ensure(python.runtime.mainInterpreter());
            Context ctx = new Context();
            long[] total = {0};
            ts.globals().setItem("ctx", ctx);
            ts.globals().setItem("add", (PythonCallable) (args, kwargs) -> total[0] += (Long) args.get(0));
            ts.globals().setItem("state", ts.view(state));
            ts.exec(String.join("\n",
                    "class P:",
                    "    def __init__(self):",
                    "        self.n = 0",
                    "    def add(self, k):",
                    "        self.n += k",
                    "        return self.n",
                    "p = P()",
                    "def proxy_call(n):",
                    "    for _ in range(n):",
                    "        ctx.add(1)",
                    "def callable_call(n):",
                    "    for _ in range(n):",
                    "        add(1)",
                    "def python_call(n):",
                    "    for _ in range(n):",
                    "        p.add(1)",
                    "def property_read(n):",
                    "    for _ in range(n):",
                    "        ctx.count",
                    "def view_store(n):",
                    "    for _ in range(n):",
                    "        state['k'] = 1",
                    "def empty_loop(n):",
                    "    for _ in range(n):",
                    "        pass",
                    ""));
            proxyCall = ts.globals().getItem("proxy_call");
            callableCall = ts.globals().getItem("callable_call");
            pythonCall = ts.globals().getItem("python_call");
            propertyRead = ts.globals().getItem("property_read");
            viewStore = ts.globals().getItem("view_store");
            emptyLoop = ts.globals().getItem("empty_loop");
        }

        /** Releases everything on the thread that took it. */
        @TearDown(Level.Trial)
        public void detach() {
            ts.exec("del ctx, add, state");
            ts.close();
        }
    }

    /** {@code ctx.add(1)}: a Java method through a proxy (Python class lookup, one upcall, long in and out). */
    @Benchmark
    @OperationsPerInvocation(CALLS)
    public Object proxyMethod(Loops l) {
        return l.proxyCall.invoke(CALLS);
    }

    /** {@code add(1)}: a {@link PythonCallable} (arguments as a List, result converted back). */
    @Benchmark
    @OperationsPerInvocation(CALLS)
    public Object pythonCallable(Loops l) {
        return l.callableCall.invoke(CALLS);
    }

    /** {@code p.add(1)}: a pure-Python method, for scale. */
    @Benchmark
    @OperationsPerInvocation(CALLS)
    public Object pythonMethod(Loops l) {
        return l.pythonCall.invoke(CALLS);
    }

    /** {@code ctx.count}: a bean getter through a proxy's property. */
    @Benchmark
    @OperationsPerInvocation(CALLS)
    public Object proxyProperty(Loops l) {
        return l.propertyRead.invoke(CALLS);
    }

    /** {@code state['k'] = 1}: a store into a Java map through its live view. */
    @Benchmark
    @OperationsPerInvocation(CALLS)
    public Object mapViewStore(Loops l) {
        return l.viewStore.invoke(CALLS);
    }

    /** The loop alone. */
    @Benchmark
    @OperationsPerInvocation(CALLS)
    public Object emptyLoop(Loops l) {
        return l.emptyLoop.invoke(CALLS);
    }
}
