package dev.tether.scenarios;

import dev.tether.ConversionException;
import dev.tether.Interpreter;
import dev.tether.PyBuffer;
import dev.tether.PyObject;
import dev.tether.PythonException;
import dev.tether.PythonRuntime;
import dev.tether.ThreadState;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The buffer protocol's full description and the number protocols, without numpy (every CPython of the matrix):
 * <ul>
 *   <li>format, item size, shape, strides and contiguity of {@code memoryview}s and {@code array.array}s, contiguous,
 *       multi-dimensional, sliced with a step and reversed (negative strides); typed copies through the strides;
 *       formats checked (a float for {@code toLongArray}, an unsigned 64-bit for {@code toLongArray} refused);</li>
 *   <li>an exporter never left locked: a {@code bytearray} resizes once its buffer is closed, from an unattached
 *       thread, from a thread attached to another interpreter, after a refused typed copy;</li>
 *   <li>{@code as(Long/Integer/BigInteger/Double/Boolean)} through {@code __index__} and {@code __float__}, with
 *       range checks; a 0-dimensional numeric buffer converting to its Java number with {@code toJava()}.</li>
 * </ul>
 */
public final class BuffersAndNumbers extends Scenario {
    /** The checks {@link #run} counts; the suite expects exactly these. */
    static final int CHECKS = 10;

    @Override
    protected void run(String[] args) throws Exception {
        PythonRuntime python = PythonRuntime.start();
        Interpreter main = python.mainInterpreter();
        Interpreter sub = python.newInterpreter();
        try (ThreadState ts = ThreadState.ensure(main)) {
            ts.exec("import array, decimal, fractions");
            contiguousGrid(ts);
            steppedAndReversed(ts);
            formatsChecked(ts);
            zeroDimensional(ts);
            indexAndFloat(ts);
            rangesAndRefusals(ts);
        }
        exporterNeverLocked(main, sub);
        python.close(Duration.ofSeconds(30));
    }

    private void contiguousGrid(ThreadState ts) {
        ts.exec("grid = memoryview(array.array('d', range(6))).cast('B').cast('d', [2, 3])");
        try (PyBuffer b = ts.evalObject("grid").buffer()) {
            check(b.format().equals("d") && b.itemSize() == 8 && b.ndim() == 2, "description " + b);
            check(Arrays.equals(b.shape(), new long[] {2, 3}) && Arrays.equals(b.strides(), new long[] {24, 8}),
                    "shape/strides " + Arrays.toString(b.shape()) + Arrays.toString(b.strides()));
            check(b.isContiguous() && b.offset() == 0 && b.segment().byteSize() == 48, "contiguous " + b);
            check(Arrays.equals(b.toDoubleArray(), new double[] {0, 1, 2, 3, 4, 5}), "values");
            check(b.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, 5) == 5.0, "zero-copy read");
        }
        count("checks");
    }

    private void steppedAndReversed(ThreadState ts) {
        ts.exec("longs = array.array('q', range(10))");
        try (PyBuffer b = ts.evalObject("memoryview(longs)[1::3]").buffer()) {
            check(!b.isContiguous() && Arrays.equals(b.strides(), new long[] {24}), "stepped " + b);
            check(Arrays.equals(b.toLongArray(), new long[] {1, 4, 7}), Arrays.toString(b.toLongArray()));
            check(b.segment().byteSize() == 2 * 24 + 8, "extent " + b.segment().byteSize());
        }
        count("checks");
        try (PyBuffer b = ts.evalObject("memoryview(longs)[::-2]").buffer()) {
            check(Arrays.equals(b.strides(), new long[] {-16}) && b.offset() == 64, "reversed " + b.offset());
            check(Arrays.equals(b.toLongArray(), new long[] {9, 7, 5, 3, 1}), Arrays.toString(b.toLongArray()));
            check(b.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, b.offset()) == 9, "first element at offset()");
        }
        count("checks");
        try (PyBuffer b = ts.evalObject("memoryview(array.array('f', [1.5, 2.5, 3.5]))[::2]").buffer()) {
            check(Arrays.equals(b.toFloatArray(), new float[] {1.5f, 3.5f}), "floats");
            check(Arrays.equals(b.toDoubleArray(), new double[] {1.5, 3.5}), "floats widened");
        }
        count("checks");
    }

    private void formatsChecked(ThreadState ts) {
        try (PyBuffer bytes = ts.evalObject("b'\\x00\\x7f\\xff'").buffer();
             PyBuffer doubles = ts.evalObject("array.array('d', [1.0])").buffer();
             PyBuffer unsigned = ts.evalObject("array.array('Q', [2**64 - 1])").buffer();
             PyBuffer uint32 = ts.evalObject("array.array('I', [2**32 - 1])").buffer();
             PyBuffer uint16 = ts.evalObject("array.array('H', [65535])").buffer()) {
            check(bytes.format().equals("B") && Arrays.equals(bytes.toIntArray(), new int[] {0, 127, 255}),
                    "bytes as unsigned " + bytes);
            refused(() -> bytes.toDoubleArray(), "'B'");
            refused(() -> doubles.toLongArray(), "'d'");
            refused(() -> doubles.toFloatArray(), "'d'");
            refused(() -> unsigned.toLongArray(), "'Q'");
            refused(() -> uint32.toIntArray(), "'I'");
            check(uint32.toLongArray()[0] == 4294967295L && uint16.toIntArray()[0] == 65535, "unsigned widened");
        }
        count("checks");
    }

    private void zeroDimensional(ThreadState ts) {
        ts.exec("scalar = memoryview(array.array('q', [-7])).cast('B').cast('q', [])");
        try (PyBuffer b = ts.evalObject("scalar").buffer()) {
            check(b.ndim() == 0 && b.shape().length == 0 && Arrays.equals(b.toLongArray(), new long[] {-7}),
                    "0-d " + b);
        }
        check(Long.valueOf(-7).equals(ts.eval("scalar")), "0-d numeric buffer to Java: " + ts.eval("scalar"));
        check(ts.eval("memoryview(b'ab')") instanceof PyObject, "a 1-d buffer stays an object");
        check(Double.valueOf(2.5).equals(ts.eval("memoryview(array.array('d', [2.5])).cast('B').cast('d', [])")),
                "0-d float");
        count("checks");
    }

    private void indexAndFloat(ThreadState ts) {
        ts.exec("""
                class Index:
                    def __init__(self, v): self.v = v
                    def __index__(self): return self.v
                class Real:
                    def __float__(self): return 0.25
                class Broken:
                    def __index__(self): raise ValueError('broken index')
                """);
        check(ts.evalObject("Index(7)").as(Long.class) == 7L, "__index__ to Long");
        check(ts.evalObject("Index(-3)").as(int.class) == -3, "__index__ to int");
        check(ts.evalObject("Index(2**70)").as(BigInteger.class).equals(BigInteger.TWO.pow(70)), "to BigInteger");
        check(ts.evalObject("Index(5)").as(Double.class) == 5.0, "__index__ to Double");
        check(ts.evalObject("Real()").as(Double.class) == 0.25, "__float__ to Double");
        check(ts.evalObject("decimal.Decimal('1.5')").as(Double.class) == 1.5, "Decimal to Double");
        check(ts.evalObject("fractions.Fraction(1, 4)").as(float.class) == 0.25f, "Fraction to float");
        check(ts.eval("Index(7)") instanceof PyObject, "toJava keeps objects that are not 0-d buffers");
        try {
            ts.evalObject("Broken()").as(Long.class);
            throw new AssertionError("a raising __index__ converted");
        } catch (PythonException e) {
            check(e.pythonType().equals("ValueError") && e.pythonMessage().equals("broken index"), e.toString());
        }
        count("checks");
    }

    private void rangesAndRefusals(ThreadState ts) {
        refused(() -> ts.evalObject("Index(2**63)").as(Long.class), "does not fit in a Java long");
        refused(() -> ts.evalObject("Index(2**31)").as(Integer.class), "does not fit in a Java int");
        refused(() -> ts.evalObject("Index(256)").as(Byte.class), "does not fit in a Java byte");
        refused(() -> ts.evalObject("1.5").as(Long.class), "'float'");
        refused(() -> ts.evalObject("Real()").as(Long.class), "__index__");
        refused(() -> ts.evalObject("True").as(Long.class), "'bool'");
        refused(() -> ts.evalObject("True").as(Double.class), "'bool'");
        refused(() -> ts.evalObject("'1.5'").as(Double.class), "'str'");
        refused(() -> ts.evalObject("Index(2**1100)").as(Double.class), "does not fit in a Java double");
        refused(() -> ts.evalObject("Index(1)").as(Boolean.class), "a Python bool");
        check(ts.eval("1") instanceof Long, "plain ints unchanged");
        count("checks");
    }

    /**
     * A bytearray cannot be resized while its buffer is open, and can once it is closed: from an unattached thread,
     * from a thread attached to another interpreter (released at the owner's next attachment), after a refused
     * typed copy.
     */
    private void exporterNeverLocked(Interpreter main, Interpreter sub) throws Exception {
        PyObject ba = main.call(ts -> ts.evalObject("bytearray(16)"));
        PyBuffer first = ba.buffer();
        check(main.call(ts -> resizeFails(ba)), "resized while exported");
        onThread(() -> first.close());
        check(onThread(() -> main.call(ts -> ba.callMethod("extend", new byte[] {1}).isNone())), "resize after close");
        count("checks");
        PyBuffer second = ba.buffer();
        refused(() -> second.toDoubleArray(), "'B'");
        sub.run(ts -> second.close()); // attached to the subinterpreter: the export is released later
        check(onThread(() -> main.call(ts -> ba.callMethod("extend", new byte[] {2}).isNone())),
                "resize after a close from another interpreter");
        check(main.call(ts -> ba.len()) == 18, "length " + main.call(ts -> ba.len()));
        try {
            second.segment().get(ValueLayout.JAVA_BYTE, 0);
            throw new AssertionError("read a closed buffer");
        } catch (IllegalStateException expected) {
            // the FFM API's "already closed"
        }
        count("checks");
        ba.close();
    }

    private static boolean resizeFails(PyObject ba) {
        try {
            ba.callMethod("extend", new byte[] {0});
            return false;
        } catch (PythonException e) {
            return e.pythonType().equals("BufferError");
        }
    }

    private static <T> T onThread(java.util.concurrent.Callable<T> body) throws Exception {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                result.set(body.call());
            } catch (Throwable e) {
                result.set(e);
            }
        });
        t.join();
        if (result.get() instanceof Throwable e) {
            throw new AssertionError("on another thread: " + e, e);
        }
        @SuppressWarnings("unchecked")
        T value = (T) result.get();
        return value;
    }

    private static void onThread(Runnable body) throws Exception {
        onThread(() -> {
            body.run();
            return null;
        });
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

    /** Runs the scenario in a JVM of its own and checks every check ran. */
    public static void suite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, BuffersAndNumbers.class, Duration.ofMinutes(2));
        Verdicts.clean(o);
        Verdicts.require(o.count("checks") == CHECKS, "expected " + CHECKS + " checks", o);
        Verdicts.report(String.format("buffers-and-numbers CPython %-6s checks=%d", python, o.count("checks")));
    }
}
