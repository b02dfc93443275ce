package dev.tether.scenarios;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.tether.Interpreter;
import dev.tether.PythonRuntime;
import dev.tether.ThreadState;
import dev.tether.internal.capi.CApi;
import dev.tether.internal.runtime.RuntimeImpl;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code Py_AddPendingCall} callbacks run on Tether's CPython main thread within milliseconds while the runtime is
 * open, whatever the Java threads do: nobody attached, a thread spinning in the main interpreter, one spinning in a
 * subinterpreter (queued from a thread attached there: that interpreter's own queue on 3.9-3.11), one sleeping
 * attached. Then CPython's own way ({@code _testcapi._pending_threadfunc}, what {@code test_capi}'s
 * {@code TestPendingCalls} uses) from Python code busy-waiting for its callbacks; a pending call that raises is
 * reported and the next ones still run; {@code _thread.interrupt_main()} does nothing, as documented for a signal
 * Python does not handle, and the close prints no "Signal 2 ignored".
 */
public final class PendingCalls extends Scenario {
    static final int CALLS = 20;
    /** The verdict's bound on one callback's latency: generous, for a loaded CI machine (typical: a few ms). */
    static final long MAX_LATENCY_MILLIS = 1000;

    /** Per call id: when it was queued and when it ran (nanoTime), and on which thread. */
    private static final ConcurrentHashMap<Long, long[]> TIMES = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Long, String> THREADS = new ConcurrentHashMap<>();
    private static volatile CountDownLatch ran;
    private static final MemorySegment CALLBACK = callback("record");
    private static final MemorySegment FAILING = callback("fail");

    @Override
    protected void run(String[] args) throws Exception {
        try (PythonRuntime python = PythonRuntime.start()) {
            System.out.println("pending-call flags: " + RuntimeImpl.current().describePendingCalls());
            Interpreter main = python.mainInterpreter();
            Interpreter sub = python.newInterpreter();
            measure("idle", () -> {}, null);
            measure("mainSpinning", spinner(main, "while True:\n    pass\n"), null);
            measure("subSpinning", spinner(sub, "while True:\n    pass\n"), sub);
            measure("mainSleeping", spinner(main, "import time\nwhile True:\n    time.sleep(0.05)\n"), null);
            failingCallReported();
            pythonLevel(main);
            interruptMainDoesNothing(main);
        }
    }

    /** Queues {@link #CALLS} callbacks, 3 ms apart, while {@code busy} runs; from a thread attached to {@code from}. */
    private void measure(String label, Runnable busy, Interpreter from) throws Exception {
        Thread load = Thread.ofPlatform().daemon().start(busy);
        Thread.sleep(50);
        ran = new CountDownLatch(CALLS);
        long base = label.hashCode() * 1000L;
        for (long id = base; id < base + CALLS; id++) {
            TIMES.put(id, new long[] {System.nanoTime(), 0});
            // From a thread attached to `from` (CPython picks the queue from the caller's thread state), or none.
            int queued;
            if (from == null) {
                queued = CApi.Py_AddPendingCall(CALLBACK, MemorySegment.ofAddress(id));
            } else {
                try (ThreadState ts = ThreadState.ensure(from)) {
                    queued = CApi.Py_AddPendingCall(CALLBACK, MemorySegment.ofAddress(id));
                }
            }
            if (queued != 0) {
                TIMES.remove(id);
                ran.countDown();
                count("queueFull");
            }
            Thread.sleep(3);
        }
        boolean all = ran.await(10, TimeUnit.SECONDS);
        load.interrupt();
        load.join(5000);
        long[] latencies = new long[CALLS];
        int n = 0;
        for (long id = base; id < base + CALLS; id++) {
            long[] t = TIMES.get(id);
            if (t != null && t[1] != 0) {
                latencies[n++] = (t[1] - t[0]) / 1000;
                count("ranOnPythonMain", "tether-python-main".equals(THREADS.get(id)) ? 1 : 0);
            }
        }
        Arrays.sort(latencies, 0, n);
        count("ran", n);
        count("late", Arrays.stream(latencies, 0, n).filter(us -> us > MAX_LATENCY_MILLIS * 1000).count());
        System.out.printf("@latency %s ran=%d/%d median=%.1fms max=%.1fms%s%n", label, n, CALLS,
                n == 0 ? 0 : latencies[n / 2] / 1000.0, n == 0 ? 0 : latencies[n - 1] / 1000.0, all ? "" : " (MISSING)");
    }

    private static Runnable spinner(Interpreter interpreter, String code) {
        return () -> {
            try {
                interpreter.run(ts -> ts.exec(code));
            } catch (RuntimeException e) {
                // interrupted: the measurement is over
            }
        };
    }

    /** A callback that raises: reported through sys.unraisablehook; the next callbacks run. */
    private void failingCallReported() throws Exception {
        ran = new CountDownLatch(1);
        CApi.Py_AddPendingCall(FAILING, MemorySegment.NULL);
        long id = 7_000_000L;
        TIMES.put(id, new long[] {System.nanoTime(), 0});
        CApi.Py_AddPendingCall(CALLBACK, MemorySegment.ofAddress(id));
        count("afterFailure", ran.await(10, TimeUnit.SECONDS) ? 1 : 0);
    }

    /** CPython's own test pattern: Python code queues from C threads and busy-waits for its callbacks. */
    private void pythonLevel(Interpreter main) {
        Object[] result = (Object[]) main.call(ts -> {
            ts.exec("import _testcapi, time\n"
                    + "def pending(n):\n"
                    + "    got = []\n"
                    + "    begin = time.monotonic()\n"
                    + "    for i in range(n):\n"
                    + "        _testcapi._pending_threadfunc(lambda: got.append(time.monotonic()))\n"
                    + "    while len(got) < n and time.monotonic() - begin < 10:\n"
                    + "        for i in range(1000):\n"
                    + "            a = i * i\n"
                    + "    return (len(got), round((max(got) - begin) * 1000, 1) if got else -1.0)\n");
            return ts.eval("pending(" + CALLS + ")");
        });
        System.out.println("@latency pythonLevel ran=" + result[0] + "/" + CALLS + " all within " + result[1] + "ms");
        count("pythonLevelRan", (Long) result[0]);
    }

    /** Does nothing: SIGINT is the JVM's, not handled by Python under Tether (F-INTERRUPT-MAIN). */
    private void interruptMainDoesNothing(Interpreter main) throws InterruptedException {
        main.run(ts -> ts.exec("import _thread, signal\n_thread.interrupt_main()\n"
                + "if __import__('sys').version_info >= (3, 10):\n    _thread.interrupt_main(signal.SIGTERM)\n"));
        Thread.sleep(100);
        main.run(ts -> ts.exec("for i in range(100000): pass\n"));
        count("interruptMainReturned");
    }

    private static MemorySegment callback(String name) {
        try {
            var target = MethodHandles.lookup().findStatic(PendingCalls.class, name,
                    MethodType.methodType(int.class, MemorySegment.class));
            return Linker.nativeLinker().upcallStub(target, FunctionDescriptor.of(JAVA_INT, ADDRESS), Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The pending call: records when and where it ran. Never throws (an upcall must not). */
    private static int record(MemorySegment arg) {
        try {
            long[] t = TIMES.get(arg.address());
            if (t != null) {
                t[1] = System.nanoTime();
                THREADS.put(arg.address(), Thread.currentThread().getName());
            }
            ran.countDown();
        } catch (Throwable ignored) {
            // nothing may escape an upcall
        }
        return 0;
    }

    private static int fail(MemorySegment arg) {
        try (Arena arena = Arena.ofConfined()) {
            CApi.PyErr_SetString(CApi.PyExc_RuntimeError, arena.allocateFrom("tether test: pending call failed"));
        } catch (Throwable ignored) {
            // nothing may escape an upcall
        }
        return -1;
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** Every callback ran on Tether's main thread, promptly; failures reported; interrupt_main harmless. */
    public static void suite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, PendingCalls.class, Duration.ofSeconds(120));
        Verdicts.clean(o);
        long measured = 4L * CALLS;
        Verdicts.require(o.count("ran") == measured && o.count("ranOnPythonMain") == measured,
                "pending calls ran " + o.count("ran") + " (on the main thread " + o.count("ranOnPythonMain")
                        + ") of " + measured, o);
        Verdicts.require(o.count("late") == 0 && o.count("queueFull") == 0, "late or refused pending calls", o);
        Verdicts.require(o.count("afterFailure") == 1 && o.output().contains("pending call failed"),
                "a failing pending call must be reported and the next one run", o);
        Verdicts.require(o.count("pythonLevelRan") == CALLS, "_testcapi pending calls", o);
        Verdicts.require(o.count("interruptMainReturned") == 1 && !o.output().contains("ignored due to race"),
                "interrupt_main must do nothing", o);
        List<String> lines = new ArrayList<>();
        for (String line : o.output().split("\n")) {
            if (line.startsWith("@latency ") || line.startsWith("pending-call flags")) {
                lines.add(line.replace("@latency ", ""));
            }
        }
        Verdicts.report("pending-calls CPython " + python + ": " + String.join("; ", lines));
    }
}
