package dev.tether.bench;

import dev.tether.ThreadState;
import dev.tether.internal.capi.CApi;
import java.lang.foreign.MemorySegment;
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
 * Four threads attaching and releasing at once: all on the main interpreter (one GIL), or each on a subinterpreter
 * of its own (its own GIL on CPython 3.12+, the shared GIL before), with Tether and with raw cached thread states.
 * Comparing the Tether and raw figures shows what Tether's holds add under contention; comparing main with
 * subinterpreters shows whether anything besides the GIL serializes the threads. Average time per operation per
 * thread; {@link ContendedThroughputBenchmark} reports the same operations as total throughput.
 *
 * <p>Warm-up is 10 iterations, not 6: with four busy threads on a two-core machine the JIT compiler gets little CPU,
 * and three seconds left Tether's path on the main interpreter measured at a fifth of its steady throughput.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Threads(4)
public class ContendedBenchmark {

    /** Each thread: ensure/release on the main interpreter, its own cached thread state. */
    @Benchmark
    public void mainTetherEnsureRelease(PythonState python) {
        ThreadState.ensure(python.main).close();
    }

    /** Each thread: raw restore/save of its own cached thread state of the main interpreter. */
    @Benchmark
    public void mainRawRestoreSave(RawMainThreadState state) {
        CApi.PyEval_RestoreThread(state.raw.pointer());
        CApi.PyEval_SaveThread();
    }

    /** Each thread: ensure/release on its own subinterpreter (its idle thread state re-attached each time). */
    @Benchmark
    public void subinterpretersTetherEnsureRelease(OwnSubinterpreterState state) {
        ThreadState.ensure(state.sub).close();
    }

    /** Each thread: raw restore/save of its own cached thread state of its own subinterpreter. */
    @Benchmark
    public void subinterpretersRawRestoreSave(RawSubinterpreterThreadState state) {
        CApi.PyEval_RestoreThread(state.raw.pointer());
        CApi.PyEval_SaveThread();
    }

    /**
     * Each thread: on its own subinterpreter, what Tether's ensure/release does there in raw calls
     * ({@code PyThreadState_New}, {@code PyEval_RestoreThread}, {@code PyThreadState_Clear},
     * {@code PyThreadState_DeleteCurrent}): whether creating and deleting thread states scales across threads.
     */
    @Benchmark
    public void subinterpretersRawNewRestoreDelete(RawSubinterpreterState state) {
        MemorySegment ts = CApi.PyThreadState_New(state.pointer);
        CApi.PyEval_RestoreThread(ts);
        CApi.PyThreadState_Clear(ts);
        CApi.PyThreadState_DeleteCurrent();
    }
}
