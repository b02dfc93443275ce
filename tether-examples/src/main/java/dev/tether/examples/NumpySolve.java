package dev.tether.examples;

import dev.tether.Interpreter;
import dev.tether.PyBuffer;
import dev.tether.PyObject;
import dev.tether.PythonRuntime;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * numpy with nothing installed (tether-cpython and tether-numpy on the class path): 8 pool threads solve 200×200
 * linear systems with {@code numpy.linalg.solve} in the main interpreter, each built in Java and shared with numpy
 * without copying, and every solution is checked against Gaussian elimination done in Java.
 *
 * <p>The matrix lives in an off-heap segment that numpy uses as it is ({@code toNumpy(segment, JAVA_DOUBLE, n, n)}:
 * no copy); the right-hand side is a {@code double[]}, copied once ({@code toNumpy(double[])}); the solution is read
 * back through its buffer ({@code toDoubleArray()}). numpy releases the GIL inside LAPACK, so the threads overlap.
 */
public final class NumpySolve {
    private static final int THREADS = 8;
    private static final int SYSTEMS = 64;
    private static final int N = 200;

    private NumpySolve() {}

    public static void main(String[] args) throws Exception {
        try (PythonRuntime python = PythonRuntime.start()) {
            Interpreter main = python.mainInterpreter();
            System.out.println("CPython " + python.version() + ", numpy "
                    + main.call(ts -> ts.eval("__import__('numpy').__version__")));
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            long begin = System.nanoTime();
            List<Future<Double>> errors = new ArrayList<>();
            for (int s = 0; s < SYSTEMS; s++) {
                long seed = s;
                errors.add(pool.submit(() -> solve(main, seed)));
            }
            double worst = 0;
            for (Future<Double> e : errors) {
                worst = Math.max(worst, e.get());
            }
            pool.shutdown();
            System.out.printf("%d systems of %d unknowns on %d threads in %d ms; largest difference from Java: %.2e%n",
                    SYSTEMS, N, THREADS, (System.nanoTime() - begin) / 1_000_000, worst);
            if (worst > 1e-9) {
                throw new AssertionError("numpy and Java disagree: " + worst);
            }
        }
    }

    /** One random diagonally dominant system, solved by numpy and by Java; the largest difference. */
    private static double solve(Interpreter main, long seed) {
        Random random = new Random(seed);
        // an automatic arena: Tether keeps the segment reachable (its memory alive) while numpy holds the array
        MemorySegment a = Arena.ofAuto().allocate(ValueLayout.JAVA_DOUBLE, (long) N * N);
        double[] b = new double[N];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                a.setAtIndex(ValueLayout.JAVA_DOUBLE, (long) i * N + j, random.nextDouble() - 0.5 + (i == j ? N : 0));
            }
            b[i] = random.nextDouble() * 10;
        }
        double[] x = main.call(ts -> {
            try (PyObject np = ts.importModule("numpy");
                 PyObject matrix = ts.toNumpy(a, ValueLayout.JAVA_DOUBLE, N, N);
                 PyObject rhs = ts.toNumpy(b);
                 PyObject solution = np.getAttr("linalg").callMethod("solve", matrix, rhs);
                 PyBuffer values = solution.buffer()) {
                return values.toDoubleArray();
            }
        });
        double[] expected = gauss(a.toArray(ValueLayout.JAVA_DOUBLE), b);
        double worst = 0;
        for (int i = 0; i < N; i++) {
            worst = Math.max(worst, Math.abs(x[i] - expected[i]));
        }
        return worst;
    }

    /** Gaussian elimination with partial pivoting (the arrays are modified). */
    private static double[] gauss(double[] m, double[] y) {
        int n = y.length;
        y = y.clone();
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(m[r * n + col]) > Math.abs(m[pivot * n + col])) {
                    pivot = r;
                }
            }
            for (int k = 0; k < n; k++) {
                double t = m[col * n + k];
                m[col * n + k] = m[pivot * n + k];
                m[pivot * n + k] = t;
            }
            double t = y[col];
            y[col] = y[pivot];
            y[pivot] = t;
            for (int r = col + 1; r < n; r++) {
                double f = m[r * n + col] / m[col * n + col];
                for (int k = col; k < n; k++) {
                    m[r * n + k] -= f * m[col * n + k];
                }
                y[r] -= f * y[col];
            }
        }
        double[] x = new double[n];
        for (int r = n - 1; r >= 0; r--) {
            double s = y[r];
            for (int k = r + 1; k < n; k++) {
                s -= m[r * n + k] * x[k];
            }
            x[r] = s / m[r * n + r];
        }
        return x;
    }
}
