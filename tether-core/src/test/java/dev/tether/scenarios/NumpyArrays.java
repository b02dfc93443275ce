package dev.tether.scenarios;

import dev.tether.ConversionException;
import dev.tether.Interpreter;
import dev.tether.PyBuffer;
import dev.tether.PyObject;
import dev.tether.PythonException;
import dev.tether.PythonRuntime;
import dev.tether.TestAccess;
import dev.tether.ThreadState;
import dev.tether.testing.Scenario;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.WeakReference;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * numpy from Java, in a JVM of its own: through tether-numpy ({@code NumpyMatrixTest} there), or a system's own
 * numpy ({@link dev.tether.SystemNumpyTest}, Debian's {@code python3-numpy} for its CPython 3.11). It lives here so
 * that both can run it; the matrix suites do not (their CPythons have no numpy):
 * <ul>
 *   <li>Java to numpy without copying: the array's data address is the segment's; writes on either side are seen
 *       on the other; read-only segments give read-only arrays; heap arrays are copied once; the memory stays
 *       pinned while Python holds any view, and is released when the last one goes;</li>
 *   <li>numpy to Java without copying: {@code PyBuffer.segment()} at {@code offset()} is {@code arr.ctypes.data}
 *       ({@code __array_interface__['data']}); writes both ways; transposed, sliced ({@code a[:, ::2]}), reversed
 *       and big-endian arrays read correctly through their strides;</li>
 *   <li>numpy scalars of every common dtype and 0-d arrays convert as Python's own numbers, with range checks;</li>
 *   <li>an isolated subinterpreter refuses numpy with CPython's error and Tether's explanation.</li>
 * </ul>
 */
public final class NumpyArrays extends Scenario {
    /** The checks {@link #run} counts; the suite expects exactly these. */
    public static final int CHECKS = 9;
    /** Arrays of each kind made and dropped by {@link #pinsReleased}. */
    static final int PIN_CHURN = 2_000;

    @Override
    protected void run(String[] args) throws Exception {
        PythonRuntime python = PythonRuntime.start();
        if (args.length > 0 && args[0].equals("discovered")) {
            check(python.location().contains("org.bytedeco:cpython:"), "not tether-cpython's: " + python.location());
        }
        Interpreter main = python.mainInterpreter();
        try (ThreadState ts = ThreadState.ensure(main)) {
            ts.exec("import numpy as np");
            javaToNumpy(ts);
            heapArraysCopied(ts);
            pinnedWhileHeld(ts);
            pinsReleased(ts);
            numpyToJava(ts);
            strided(ts);
            scalars(ts);
            refusals(ts);
        }
        isolatedSubinterpreter(python.newInterpreter());
        python.close(java.time.Duration.ofSeconds(30));
    }

    private void javaToNumpy(ThreadState ts) {
        MemorySegment data = Arena.ofAuto().allocate(ValueLayout.JAVA_DOUBLE, 6);
        try (PyObject array = ts.toNumpy(data, ValueLayout.JAVA_DOUBLE, 2, 3)) {
            ts.globals().setItem("a", array);
            check(Long.valueOf(data.address()).equals(ts.eval("a.__array_interface__['data'][0]")),
                    "address " + data.address() + " vs " + ts.eval("a.__array_interface__['data'][0]"));
            check(!hasCtypes(ts) || Long.valueOf(data.address()).equals(ts.eval("a.ctypes.data")), "ctypes.data");
            check("float64 (2, 3) True".equals(ts.eval("f'{a.dtype} {a.shape} {a.flags.writeable}'")), "dtype");
            data.setAtIndex(ValueLayout.JAVA_DOUBLE, 4, 2.5);
            check(Double.valueOf(2.5).equals(ts.eval("float(a[1, 1])")), "Java write seen by numpy");
            ts.exec("a[0, 2] = 7.0");
            check(data.getAtIndex(ValueLayout.JAVA_DOUBLE, 2) == 7.0, "numpy write seen by Java");
            ts.exec("del a");
        }
        MemorySegment readOnly = Arena.ofAuto().allocate(ValueLayout.JAVA_INT, 3).asReadOnly();
        try (PyObject array = ts.toNumpy(readOnly, ValueLayout.JAVA_INT)) {
            ts.globals().setItem("r", array);
            check(Boolean.FALSE.equals(ts.eval("r.flags.writeable")) && "int32".equals(ts.eval("str(r.dtype)")),
                    "read-only");
            try {
                ts.exec("r[0] = 1");
                throw new AssertionError("wrote a read-only array");
            } catch (PythonException e) {
                check(e.pythonType().equals("ValueError"), e.toString());
            }
            ts.exec("del r");
        }
        count("checks");
    }

    private void heapArraysCopied(ThreadState ts) {
        double[] doubles = {1, 2, 3, 4};
        Map<String, PyObject> arrays = Map.of(
                "float64 (2, 2)", ts.toNumpy(doubles, 2, 2),
                "float32 (3,)", ts.toNumpy(new float[] {1, 2, 3}),
                "int64 (2,)", ts.toNumpy(new long[] {1, Long.MAX_VALUE}),
                "int32 (1, 2)", ts.toNumpy(new int[] {1, 2}, 1, 2),
                "int8 (2,)", ts.toNumpy(new byte[] {-1, 1}),
                "int8 (0,)", ts.toNumpy(new byte[0]));
        arrays.forEach((expected, array) -> {
            ts.globals().setItem("h", array);
            check(expected.equals(ts.eval("f'{h.dtype} {h.shape}'")), expected + ": " + ts.eval("f'{h.dtype} {h.shape}'"));
            array.close();
        });
        PyObject copy = ts.toNumpy(doubles, 2, 2);
        ts.globals().setItem("h", copy);
        ts.exec("h[0, 0] = 100.0");
        check(doubles[0] == 1 && Double.valueOf(109).equals(ts.eval("float(h.sum())")), "a heap array is copied once");
        ts.exec("del h");
        copy.close();
        count("checks");
    }

    /**
     * The pin lives as long as any view of the array: the segment (of an automatic arena) stays reachable while a
     * view is held, through collections, and becomes unreachable once the last view is gone.
     */
    private void pinnedWhileHeld(ThreadState ts) throws InterruptedException {
        WeakReference<MemorySegment> pinned = arrayOfFreshSegment(ts);
        ts.exec("view = p[::3]; del p");
        collect(ts, pinned, 3);
        check(pinned.get() != null, "the memory was released while a view is held");
        check(Long.valueOf(18).equals(ts.eval("int(view.sum())")), "the view reads the memory");
        ts.exec("del view");
        collect(ts, pinned, 50);
        check(pinned.get() == null, "the memory is still pinned after the last view went");
        count("checks");
    }

    /** A numpy array {@code p} over a new segment that only Tether's pin references; returns a weak reference to it. */
    private static WeakReference<MemorySegment> arrayOfFreshSegment(ThreadState ts) {
        MemorySegment data = Arena.ofAuto().allocate(ValueLayout.JAVA_LONG, 10);
        for (int i = 0; i < 10; i++) {
            data.setAtIndex(ValueLayout.JAVA_LONG, i, i);
        }
        try (PyObject array = ts.toNumpy(data, ValueLayout.JAVA_LONG)) {
            ts.globals().setItem("p", array);
        }
        return new WeakReference<>(data);
    }

    private static void collect(ThreadState ts, WeakReference<?> ref, int rounds) throws InterruptedException {
        for (int i = 0; i < rounds && ref.get() != null; i++) {
            ts.exec("import gc; gc.collect()");
            System.gc();
            Thread.sleep(20);
        }
    }

    /** Arrays made and dropped by the thousand, from Java and in Python: every pin is released, none leaks. */
    private void pinsReleased(ThreadState ts) throws InterruptedException {
        ts.exec("import gc; gc.collect()");
        long before = TestAccess.pinnedArrays();
        MemorySegment shared = Arena.ofAuto().allocate(ValueLayout.JAVA_INT, 100);
        for (int i = 0; i < PIN_CHURN; i++) {
            try (PyObject a = ts.toNumpy(new double[100], 10, 10);
                 PyObject b = ts.toNumpy(shared, ValueLayout.JAVA_INT, 4, 25);
                 PyObject view = b.callMethod("reshape", 100L)) {
                ts.globals().setItem("kept", i % 10 == 0 ? a : null);
            }
        }
        ts.exec("kept = None; gc.collect()");
        for (int i = 0; i < 50 && TestAccess.pinnedArrays() != before; i++) {
            Thread.sleep(20);
        }
        check(TestAccess.pinnedArrays() == before, "pins left: " + (TestAccess.pinnedArrays() - before));
        count("checks");
        count("pinsChurned", 2L * PIN_CHURN);
    }

    private void numpyToJava(ThreadState ts) {
        ts.exec("m = np.arange(12.0).reshape(3, 4)");
        try (PyBuffer b = ts.evalObject("m").buffer()) {
            long address = b.segment().address() + b.offset();
            check(Long.valueOf(address).equals(ts.eval("m.__array_interface__['data'][0]")), "address");
            check(!hasCtypes(ts) || Long.valueOf(address).equals(ts.eval("m.ctypes.data")), "ctypes.data");
            check(b.format().equals("d") && Arrays.equals(b.shape(), new long[] {3, 4}) && b.isContiguous()
                    && !b.isReadOnly(), "description " + b);
            b.segment().setAtIndex(ValueLayout.JAVA_DOUBLE, 5, -1.0);
            check(Double.valueOf(-1.0).equals(ts.eval("float(m[1, 1])")), "Java write seen by numpy");
            ts.exec("m[2, 3] = 42.0");
            check(b.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, 11) == 42.0, "numpy write seen by Java");
        }
        count("checks");
    }

    private void strided(ThreadState ts) {
        List<String> views = List.of("m.T", "m[:, ::2]", "m[::-1, ::-2]", "m.T[1:, ::-1]", "m.astype('>f8')",
                "m.astype('>f8').T", "np.asfortranarray(m)[:, 1:3]", "m[1]", "m[:, 1]");
        for (String view : views) {
            try (PyBuffer b = ts.evalObject(view).buffer()) {
                @SuppressWarnings("unchecked")
                List<Double> expected = (List<Double>) ts.eval("(" + view + ").flatten().tolist()");
                double[] got = b.toDoubleArray();
                check(Arrays.equals(got, expected.stream().mapToDouble(Double::doubleValue).toArray()),
                        view + ": " + Arrays.toString(got) + " != " + expected);
                count("stridedViews");
            }
        }
        try (PyBuffer b = ts.evalObject("np.arange(20, dtype=np.int32).reshape(4, 5)[:, ::2]").buffer()) {
            check(!b.isContiguous() && b.format().equals("i")
                    && Arrays.equals(b.toIntArray(), new int[] {0, 2, 4, 5, 7, 9, 10, 12, 14, 15, 17, 19}), "int32 " + b);
            check(Arrays.equals(b.toLongArray(), new long[] {0, 2, 4, 5, 7, 9, 10, 12, 14, 15, 17, 19}), "widened");
        }
        try (PyBuffer b = ts.evalObject("np.arange(6, dtype=np.uint8).reshape(2, 3).T").buffer()) {
            check(Arrays.equals(b.toIntArray(), new int[] {0, 3, 1, 4, 2, 5}), "uint8 transposed");
        }
        try (PyBuffer b = ts.evalObject("np.array([1.5, -2.25], dtype=np.float32)[::-1]").buffer()) {
            check(Arrays.equals(b.toFloatArray(), new float[] {-2.25f, 1.5f}), "float32 reversed");
        }
        count("checks");
    }

    private void scalars(ThreadState ts) {
        Map<String, Object> toJava = Map.ofEntries(
                Map.entry("np.int64(7)", 7L), Map.entry("np.int32(-7)", -7L), Map.entry("np.uint8(255)", 255L),
                Map.entry("np.int8(-1)", -1L), Map.entry("np.uint64(2**64 - 1)", new BigInteger("18446744073709551615")),
                Map.entry("np.float64(2.5)", 2.5), Map.entry("np.float32(0.25)", 0.25),
                Map.entry("np.float16(0.5)", 0.5), Map.entry("np.bool_(True)", true), Map.entry("np.bool_(False)", false),
                Map.entry("np.array(3.5)", 3.5), Map.entry("np.array(7)", 7L),
                Map.entry("np.arange(10).sum()", 45L), Map.entry("np.ones(4).sum()", 4.0));
        toJava.forEach((expression, expected) -> {
            Object got = ts.eval(expression);
            check(expected.equals(got), expression + " -> " + got + " (" + (got == null ? "null" : got.getClass())
                    + ")");
            count("scalarConversions");
        });
        check(ts.evalObject("np.int64(7)").as(Long.class) == 7L, "int64 as Long");
        check(ts.evalObject("np.int32(-7)").as(int.class) == -7, "int32 as int");
        check(ts.evalObject("np.uint8(255)").as(Integer.class) == 255, "uint8 as Integer");
        check(ts.evalObject("np.int64(100)").as(Byte.class) == 100, "int64 as Byte");
        check(ts.evalObject("np.uint64(2**64 - 1)").as(BigInteger.class).equals(new BigInteger("18446744073709551615")),
                "uint64 max as BigInteger");
        check(ts.evalObject("np.float64(2.5)").as(Double.class) == 2.5, "float64 as Double");
        check(ts.evalObject("np.float32(0.25)").as(float.class) == 0.25f, "float32 as float");
        check(ts.evalObject("np.int64(3)").as(Double.class) == 3.0, "int64 as Double");
        check(ts.evalObject("np.bool_(True)").as(Boolean.class), "bool_ as Boolean");
        check(ts.evalObject("np.array(9)").as(Long.class) == 9L, "0-d array as Long");
        check(List.of(1L, 2.5, true).equals(ts.eval("[np.int16(1), np.float64(2.5), np.bool_(True)]")), "in a list");
        count("checks");
    }

    private void refusals(ThreadState ts) {
        refused(() -> ts.evalObject("np.uint64(2**64 - 1)").as(Long.class), "does not fit in a Java long");
        refused(() -> ts.evalObject("np.int64(2**40)").as(Integer.class), "does not fit in a Java int");
        refused(() -> ts.evalObject("np.uint8(200)").as(Byte.class), "does not fit in a Java byte");
        refused(() -> ts.evalObject("np.float64(1.5)").as(Long.class), "'float64'");
        refused(() -> ts.evalObject("np.bool_(True)").as(Long.class), "a boolean");
        refused(() -> ts.evalObject("np.bool_(True)").as(Double.class), "'bool");
        refused(() -> ts.evalObject("np.int64(1)").as(Boolean.class), "a Python bool");
        refused(() -> ts.evalObject("np.float64(1e300)").as(Float.class), "does not fit in a Java float");
        try (PyBuffer doubles = ts.evalObject("np.arange(3.0)").buffer();
             PyBuffer unsigned = ts.evalObject("np.arange(3, dtype=np.uint64)").buffer()) {
            refused(doubles::toLongArray, "'d'");
            refused(unsigned::toLongArray, "'L'");
        }
        refused(() -> ts.toNumpy(new double[3], 2, 2), "needs 32 bytes");
        Arena arena = Arena.ofShared();
        MemorySegment gone = arena.allocate(16);
        arena.close();
        refused(() -> ts.toNumpy(gone, ValueLayout.JAVA_DOUBLE), "closed");
        refused(() -> ts.toNumpy(Arena.ofAuto().allocate(8), ValueLayout.ADDRESS), "not a numeric Java layout");
        count("checks");
    }

    private void isolatedSubinterpreter(Interpreter sub) {
        if (!sub.hasOwnGil()) {
            count("checks");
            return;
        }
        try {
            sub.run(ts -> ts.exec("import numpy"));
            throw new AssertionError("numpy imported in an isolated subinterpreter");
        } catch (PythonException e) {
            check(e.pythonType().equals("ImportError") && e.pythonMessage().contains(
                    "does not support loading in subinterpreters"), "CPython's refusal: " + e.pythonMessage());
            check(e.getMessage().contains("Tether: subinterpreter") && e.getMessage().contains("isolated")
                    && !e.pythonMessage().contains("Tether:"), "Tether's explanation: " + e.getMessage());
        }
        count("checks");
    }

    private static boolean hasCtypes(ThreadState ts) {
        try {
            ts.exec("import ctypes");
            return true;
        } catch (PythonException e) {
            return false; // the matrix trees lack libffi where the system has none (F-LIBFFI-PLACEMENT)
        }
    }

    private static void refused(Runnable conversion, String mentioned) {
        try {
            conversion.run();
        } catch (ConversionException e) {
            check(e.getMessage().contains(mentioned), "refusal should mention " + mentioned + ": " + e.getMessage());
            return;
        }
        throw new AssertionError("not refused (expected a message mentioning " + mentioned + ")");
    }
}
