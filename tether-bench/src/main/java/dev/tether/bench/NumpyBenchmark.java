package dev.tether.bench;

import dev.tether.PyBuffer;
import dev.tether.PyObject;
import dev.tether.ThreadState;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
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
 * A 1 M-element array of doubles to numpy and back, summed in numpy, three ways in the same run:
 * <ul>
 *   <li>{@code zeroCopy}: an off-heap segment shared with numpy ({@code toNumpy(segment, JAVA_DOUBLE)}), summed,
 *       and read back through the array's {@code PyBuffer.segment()}: no element is copied;</li>
 *   <li>{@code heapArrayCopiedOnce}: a {@code double[]} copied once into off-heap memory ({@code toNumpy(double[])}),
 *       summed, and copied back with {@code PyBuffer.toDoubleArray()};</li>
 *   <li>{@code conversionTable}: the {@code double[]} through the conversion table (a tuple of Python floats),
 *       {@code numpy.array(...)}, summed, and back with {@code tolist()} to a Java {@code List} and a
 *       {@code double[]}.</li>
 * </ul>
 * Needs numpy: tether-numpy on tether-cpython's CPython 3.14.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Threads(1)
public class NumpyBenchmark {
    /** Elements per array. */
    static final int N = 1_000_000;

    /** The benchmark thread, attached for the whole trial, with the data and numpy's functions. */
    @State(Scope.Thread)
    public static class Attached {
        ThreadState ts;
        PyObject numpy;
        PyObject sum;
        PyObject array;
        double[] heap;
        MemorySegment offHeap;
        private Arena arena;

        /** Attaches this thread, imports numpy, fills the data. */
        @Setup(Level.Trial)
        public void attach(PythonState python) {
            ts = ThreadState.ensure(python.main);
            numpy = ts.importModule("numpy");
            sum = numpy.getAttr("sum");
            array = numpy.getAttr("array");
            heap = new double[N];
            for (int i = 0; i < N; i++) {
                heap[i] = i * 0.5;
            }
            arena = Arena.ofShared();
            offHeap = arena.allocate(ValueLayout.JAVA_DOUBLE, N);
            MemorySegment.copy(heap, 0, offHeap, ValueLayout.JAVA_DOUBLE, 0, N);
        }

        /** Releases everything, then the thread state. */
        @TearDown(Level.Trial)
        public void detach() {
            sum.close();
            array.close();
            numpy.close();
            ts.exec("import gc; gc.collect()");
            ts.close();
            arena.close();
        }
    }

    /** No copy either way: numpy works on the segment, and Java reads the result's memory through the buffer. */
    @Benchmark
    public double zeroCopy(Attached a) {
        try (PyObject x = a.ts.toNumpy(a.offHeap, ValueLayout.JAVA_DOUBLE);
             PyBuffer back = x.buffer()) {
            double total = a.sum.call(x).as(Double.class);
            return total + back.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, N - 1);
        }
    }

    /** One bulk copy in (the Java array cannot be pinned), one bulk copy out. */
    @Benchmark
    public double heapArrayCopiedOnce(Attached a) {
        try (PyObject x = a.ts.toNumpy(a.heap);
             PyBuffer back = x.buffer()) {
            double total = a.sum.call(x).as(Double.class);
            return total + back.toDoubleArray()[N - 1];
        }
    }

    /** Element by element through the conversion table: a tuple of 1 M Python floats in, a list out. */
    @Benchmark
    public double conversionTable(Attached a) {
        try (PyObject tuple = a.ts.toPython(a.heap);
             PyObject x = a.array.call(tuple);
             PyObject list = x.callMethod("tolist")) {
            double total = a.sum.call(x).as(Double.class);
            List<?> values = list.as(List.class);
            double[] back = new double[values.size()];
            for (int i = 0; i < back.length; i++) {
                back[i] = (Double) values.get(i);
            }
            return total + back[N - 1];
        }
    }
}
