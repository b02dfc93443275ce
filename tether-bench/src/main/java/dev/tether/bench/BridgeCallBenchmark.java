package dev.tether.bench;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.tether.PyObject;
import dev.tether.ThreadState;
import dev.tether.internal.capi.CApi;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One Java-to-Python call of {@code f(x) = x + 1} from a platform thread that stays attached: the argument converted
 * to a Python int, the call, the result converted back to a Java long. Tether's {@link PyObject#invoke} beside the
 * same work done with raw C-API downcalls in the same JVM ({@code PyLong_FromLongLong},
 * {@code PyObject_VectorcallDict}, {@code PyLong_AsLongLongAndOverflow}, two {@code Py_DecRef}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Threads(1)
public class BridgeCallBenchmark {

    /** The benchmark thread, attached for the whole trial, with {@code f} both as a PyObject and as an address. */
    @State(Scope.Thread)
    public static class Attached {
        ThreadState ts;
        PyObject f;
        MemorySegment rawF;
        MemorySegment args;
        MemorySegment overflow;
        private Arena arena;

        /** Attaches this thread and defines {@code f}. */
        @Setup(Level.Trial)
        public void attach(PythonState python) {
            ts = ThreadState.ensure(python.main);
            ts.exec("def f(x):\n    return x + 1\n");
            f = ts.globals().getItem("f");
            arena = Arena.ofConfined();
            rawF = CApi.PyObject_GetAttrString(CApi.PyImport_AddModule(arena.allocateFrom("__main__")),
                    arena.allocateFrom("f"));
            args = arena.allocate(ADDRESS);
            overflow = arena.allocate(JAVA_INT);
        }

        /** Releases everything on the thread that took it. */
        @TearDown(Level.Trial)
        public void detach() {
            CApi.Py_DecRef(rawF);
            f.close();
            ts.close();
            arena.close();
        }
    }

    /** Tether: {@code f.invoke(41L)}, result converted by the bridge. */
    @Benchmark
    public long tetherInvoke(Attached a) {
        return (Long) a.f.invoke(41L);
    }

    /** Tether: {@code f.call(41L)} returning a PyObject (wrapped, then closed), converted with {@code as}. */
    @Benchmark
    public long tetherCallAs(Attached a) {
        try (PyObject r = a.f.call(41L)) {
            return r.as(Long.class);
        }
    }

    /** The floor: the same five C-API downcalls, no checks, no conversion layer. */
    @Benchmark
    public long rawCApi(Attached a) {
        MemorySegment x = CApi.PyLong_FromLongLong(41);
        a.args.set(ADDRESS, 0, x);
        MemorySegment r = CApi.PyObject_VectorcallDict(a.rawF, a.args, 1, MemorySegment.NULL);
        long value = CApi.PyLong_AsLongLongAndOverflow(r, a.overflow);
        CApi.Py_DecRef(x);
        CApi.Py_DecRef(r);
        return value;
    }
}
