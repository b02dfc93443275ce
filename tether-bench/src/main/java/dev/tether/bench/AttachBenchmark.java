package dev.tether.bench;

import dev.tether.ThreadState;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Tether's attach/release on one platform thread, steady state. The thread keeps its idle thread state of the main
 * interpreter between cycles, so the main-interpreter figures are of the cached path; a subinterpreter's thread
 * state is created and deleted per outermost attachment, by design.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Threads(1)
public class AttachBenchmark {

    /** {@code ThreadState.ensure(main)} then {@code close()}: a cached thread state re-attached and detached. */
    @Benchmark
    public void tetherEnsureRelease(PythonState python) {
        ThreadState.ensure(python.main).close();
    }

    /** {@code main.call(ts -> null)}: ensure and release around a lambda. */
    @Benchmark
    public Object interpreterCall(PythonState python) {
        return python.main.call(ts -> null);
    }

    /** Ensure, {@code eval("1")} (compile, run, convert to a {@code Long}), release. */
    @Benchmark
    public Object tetherEnsureEvalRelease(PythonState python) {
        try (ThreadState ts = ThreadState.ensure(python.main)) {
            return ts.eval("1");
        }
    }

    /** Ensure and release on a subinterpreter: its thread state is created and deleted each time. */
    @Benchmark
    public void subinterpreterEnsureRelease(SubinterpreterState sub) {
        ThreadState.ensure(sub.sub).close();
    }
}
