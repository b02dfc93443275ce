package dev.tether.numpy.forked;

import dev.tether.Interpreter;
import dev.tether.PyBuffer;
import dev.tether.PyObject;
import dev.tether.PythonPackages;
import dev.tether.PythonRuntime;
import dev.tether.ThreadState;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A process that uses numpy as a user who only added tether-cpython and tether-numpy would (no configuration at
 * all): 8 pool threads each solve 200×200 systems built from Java arrays with {@code numpy.linalg.solve} in the main
 * interpreter, and check every solution against Gaussian elimination in Java. Prints {@code key=value} lines for
 * the test; exits 0 only if every solution matched and the runtime closed.
 */
public final class SolveMain {
    /** The pool's threads. */
    public static final int THREADS = 8;
    /** Systems each thread solves. */
    public static final int ROUNDS = 4;
    /** The systems' size. */
    static final int N = 200;
    /** The largest difference allowed between numpy's solution and Java's. */
    static final double TOLERANCE = 1e-9;

    private SolveMain() {}

    public static void main(String[] args) throws Exception {
        ServiceLoader.load(PythonPackages.class).stream().forEach(p -> {
            Module m = p.type().getModule();
            System.out.println("packages=" + p.type().getName() + " in " + (m.isNamed() ? m.getName() : "unnamed"));
        });
        int solved = 0;
        double worst = 0;
        try (PythonRuntime python = PythonRuntime.start()) {
            System.out.println("location=" + python.location());
            Interpreter main = python.mainInterpreter();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            List<Future<Double>> results = new ArrayList<>();
            for (int t = 0; t < THREADS * ROUNDS; t++) {
                long seed = t;
                results.add(pool.submit(() -> solveOnce(main, seed)));
            }
            for (Future<Double> r : results) {
                worst = Math.max(worst, r.get());
                solved++;
            }
            pool.shutdown();
            main.run(ts -> {
                System.out.println("numpy=" + ts.eval("__import__('numpy').__file__"));
                System.out.println("libraries=" + ts.eval("' '.join(sorted({l.split()[-1] for l in"
                        + " open('/proc/self/maps') if 'openblas' in l or 'gfortran' in l or 'quadmath' in l}))"));
            });
        }
        System.out.println("solved=" + solved);
        System.out.println("worst=" + worst);
        System.out.println("closed=true");
        System.out.flush();
        System.exit(solved == THREADS * ROUNDS && worst < TOLERANCE ? 0 : 1);
    }

    /** Solves one random diagonally dominant system in numpy and in Java; returns the largest difference. */
    static double solveOnce(Interpreter main, long seed) {
        Random random = new Random(seed);
        double[] a = new double[N * N];
        double[] b = new double[N];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                a[i * N + j] = random.nextDouble() - 0.5 + (i == j ? N : 0);
            }
            b[i] = random.nextDouble() * 10;
        }
        double[] fromNumpy = main.call(ts -> {
            try (PyObject np = ts.importModule("numpy");
                 PyObject matrix = ts.toNumpy(a, N, N);
                 PyObject vector = ts.toNumpy(b);
                 PyObject x = np.getAttr("linalg").callMethod("solve", matrix, vector);
                 PyBuffer buffer = x.buffer()) {
                return buffer.toDoubleArray();
            }
        });
        double[] expected = gauss(a, b);
        double worst = 0;
        for (int i = 0; i < N; i++) {
            worst = Math.max(worst, Math.abs(fromNumpy[i] - expected[i]));
        }
        return worst;
    }

    /** Gaussian elimination with partial pivoting, on copies. */
    static double[] gauss(double[] matrix, double[] rhs) {
        int n = rhs.length;
        double[] m = matrix.clone();
        double[] y = rhs.clone();
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(m[r * n + col]) > Math.abs(m[pivot * n + col])) {
                    pivot = r;
                }
            }
            for (int k = 0; k < n; k++) {
                double tmp = m[col * n + k];
                m[col * n + k] = m[pivot * n + k];
                m[pivot * n + k] = tmp;
            }
            double tmp = y[col];
            y[col] = y[pivot];
            y[pivot] = tmp;
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
