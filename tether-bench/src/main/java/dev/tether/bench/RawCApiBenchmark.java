package dev.tether.bench;

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
 * Baselines: the same attach/release done with raw C-API calls through {@link CApi}, on one platform thread,
 * without Tether's bookkeeping (and without its guarantees).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Threads(1)
public class RawCApiBenchmark {

    /**
     * The floor: {@code PyEval_RestoreThread(ts)} + {@code PyEval_SaveThread()} of a thread state the thread
     * created once and keeps.
     */
    @Benchmark
    public void rawRestoreSaveCached(RawMainThreadState state) {
        CApi.PyEval_RestoreThread(state.raw.pointer());
        CApi.PyEval_SaveThread();
    }

    /**
     * {@code PyGILState_Ensure()} + {@code PyGILState_Release()} on a thread without a thread state: CPython creates
     * and deletes one each time.
     */
    @Benchmark
    public void rawGilStateEnsureRelease(BareThreadState state) {
        int gil = CApi.PyGILState_Ensure();
        CApi.PyGILState_Release(gil);
    }

    /**
     * What an uncached attach costs in raw calls: {@code PyThreadState_New} + {@code PyEval_RestoreThread} +
     * {@code PyThreadState_Clear} + {@code PyThreadState_DeleteCurrent} (what Tether does for a subinterpreter).
     */
    @Benchmark
    public void rawNewRestoreDelete(BareThreadState state) {
        MemorySegment ts = CApi.PyThreadState_New(state.mainInterpreter);
        CApi.PyEval_RestoreThread(ts);
        CApi.PyThreadState_Clear(ts);
        CApi.PyThreadState_DeleteCurrent();
    }

    /**
     * {@link #rawNewRestoreDelete} on a subinterpreter: the raw equivalent of Tether's ensure/release there, which
     * keeps no thread state between attachments.
     */
    @Benchmark
    public void rawNewRestoreDeleteSubinterpreter(RawSubinterpreterState state) {
        MemorySegment ts = CApi.PyThreadState_New(state.pointer);
        CApi.PyEval_RestoreThread(ts);
        CApi.PyThreadState_Clear(ts);
        CApi.PyThreadState_DeleteCurrent();
    }
}
