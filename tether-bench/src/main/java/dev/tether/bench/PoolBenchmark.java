package dev.tether.bench;

import dev.tether.InterpreterConfig;
import dev.tether.InterpreterPool;
import dev.tether.PyObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * Parallel Python through an {@link InterpreterPool}, from four Java threads (a Java thread pool, as an application
 * would have; four keep two members busy while results travel back). Operations per second summed over the
 * threads:
 * <ul>
 *   <li>CPU-bound: {@code squares(100000)} (pure-Python bytecode, about 5 ms) on a pool of 2 members, of 1
 *       member, and on the main interpreter called from the same threads ({@code main.call}): 2 members should get
 *       about twice 1 member on 3.12+, the main interpreter about the same as 1 member (one GIL).</li>
 *   <li>JSON records: {@code json.loads} a record of about 100 bytes, derive three fields, {@code json.dumps}; a
 *       task transforms {@value PoolWorkloads#BATCH} records and each operation is one record. Pool of 2, of 1, the
 *       main interpreter, and the same transform in Java (a parser for that record shape) on the same threads.</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Threads(4)
public class PoolBenchmark {

    /** A pool of two members, set up with the workloads. */
    @State(Scope.Benchmark)
    public static class TwoMembers {
        InterpreterPool pool;

        @Setup
        public void create(PythonState python) {
            pool = python.runtime.newPool(2, InterpreterConfig.isolated(), ts -> ts.exec(PoolWorkloads.PYTHON));
        }

        @TearDown
        public void close() {
            pool.close();
        }
    }

    /** A pool of one member. */
    @State(Scope.Benchmark)
    public static class OneMember {
        InterpreterPool pool;

        @Setup
        public void create(PythonState python) {
            pool = python.runtime.newPool(1, InterpreterConfig.isolated(), ts -> ts.exec(PoolWorkloads.PYTHON));
        }

        @TearDown
        public void close() {
            pool.close();
        }
    }

    /** The main interpreter, set up with the workloads. */
    @State(Scope.Benchmark)
    public static class Main {
        PythonState python;

        @Setup
        public void create(PythonState python) {
            this.python = python;
            python.main.run(ts -> ts.exec(PoolWorkloads.PYTHON));
        }
    }

    /** The records each thread sends, as Java strings. */
    @State(Scope.Thread)
    public static class Records {
        List<String> records = PoolWorkloads.records();
    }

    private static long squares(dev.tether.ThreadState ts) {
        return (Long) ts.eval("squares(" + PoolWorkloads.SQUARES_N + ")");
    }

    @SuppressWarnings("unchecked")
    private static List<Object> transform(dev.tether.ThreadState ts, List<String> records) {
        try (PyObject f = ts.globals().getItem("transform")) {
            return (List<Object>) f.invoke(records);
        }
    }

    @Benchmark
    public long cpuPool2(TwoMembers p) {
        return p.pool.call(PoolBenchmark::squares);
    }

    @Benchmark
    public long cpuPool1(OneMember p) {
        return p.pool.call(PoolBenchmark::squares);
    }

    @Benchmark
    public long cpuMain(Main m) {
        return m.python.main.call(PoolBenchmark::squares);
    }

    @Benchmark
    @OperationsPerInvocation(PoolWorkloads.BATCH)
    public List<Object> jsonPool2(TwoMembers p, Records r) {
        return p.pool.call(ts -> transform(ts, r.records));
    }

    @Benchmark
    @OperationsPerInvocation(PoolWorkloads.BATCH)
    public List<Object> jsonPool1(OneMember p, Records r) {
        return p.pool.call(ts -> transform(ts, r.records));
    }

    @Benchmark
    @OperationsPerInvocation(PoolWorkloads.BATCH)
    public List<Object> jsonMain(Main m, Records r) {
        return m.python.main.call(ts -> transform(ts, r.records));
    }

    @Benchmark
    @OperationsPerInvocation(PoolWorkloads.BATCH)
    public List<String> jsonJava(Records r) {
        return PoolWorkloads.transformInJava(r.records);
    }
}
