package dev.tether.bench;

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
 * Calls per second summed over the threads, one {@code interpreter.call(ts -> f.invoke(41L))} per operation: each
 * thread attaches, calls {@code f(x) = x + 1}, converts the result and releases, every time. One thread, then two,
 * each on a subinterpreter of its own (own GIL on 3.12+), beside the same on the main interpreter (one GIL for
 * both threads), and the same in raw C-API calls with cached raw thread states (the floor, and what the machine
 * gives two threads at once). Two threads on their own subinterpreters should get about twice one thread's calls on
 * 3.12+.
 *
 * <p>Warm-up is 10 iterations, as for the other multi-threaded benchmarks: with two busy threads on two cores the
 * JIT compiler gets little CPU.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class PerCallScalingBenchmark {

    /** One thread, its own subinterpreter. */
    @Benchmark
    @Threads(1)
    public Object ownSubinterpreter1Thread(CallTarget target) {
        return target.sub.call(ts -> target.subF.invoke(41L));
    }

    /** Two threads, each on its own subinterpreter. */
    @Benchmark
    @Threads(2)
    public Object ownSubinterpreter2Threads(CallTarget target) {
        return target.sub.call(ts -> target.subF.invoke(41L));
    }

    /** The floor, in raw C-API calls: one thread, its own subinterpreter, a cached raw thread state. */
    @Benchmark
    @Threads(1)
    public long rawOwnSubinterpreter1Thread(RawCallTarget raw) {
        return raw.call();
    }

    /** The floor with two threads: what the machine gives two threads on two GILs. */
    @Benchmark
    @Threads(2)
    public long rawOwnSubinterpreter2Threads(RawCallTarget raw) {
        return raw.call();
    }

    /** One thread on the main interpreter. */
    @Benchmark
    @Threads(1)
    public Object main1Thread(CallTarget target) {
        return target.main.call(ts -> target.mainF.invoke(41L));
    }

    /** Two threads on the main interpreter: one GIL. */
    @Benchmark
    @Threads(2)
    public Object main2Threads(CallTarget target) {
        return target.main.call(ts -> target.mainF.invoke(41L));
    }
}
