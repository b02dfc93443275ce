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
 * Tether's attach/release on one platform thread, steady state, main interpreter beside a subinterpreter. The thread
 * keeps an idle thread state per interpreter between cycles (a subinterpreter's too, since the idle-thread-state
 * work: see ThreadStates, "Idle thread states of subinterpreters"), so both are figures of the cached path.
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

    /** Ensure and release on a subinterpreter: its idle thread state re-attached and detached. */
    @Benchmark
    public void subinterpreterEnsureRelease(SubinterpreterState sub) {
        ThreadState.ensure(sub.sub).close();
    }

    /** {@code sub.call(ts -> null)} on a subinterpreter. */
    @Benchmark
    public Object subinterpreterCall(SubinterpreterState sub) {
        return sub.sub.call(ts -> null);
    }

    /** One call of {@code f(41)} per attachment, main interpreter: {@code main.call(ts -> f.invoke(41L))}. */
    @Benchmark
    public Object mainCallInvoke(CallTarget target) {
        return target.main.call(ts -> target.mainF.invoke(41L));
    }

    /** The same on a subinterpreter: {@code sub.call(ts -> f.invoke(41L))}. */
    @Benchmark
    public Object subinterpreterCallInvoke(CallTarget target) {
        return target.sub.call(ts -> target.subF.invoke(41L));
    }
}
