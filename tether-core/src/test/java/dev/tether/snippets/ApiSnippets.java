package dev.tether.snippets;

import dev.tether.Ensured;
import dev.tether.ErrorCode;
import dev.tether.HostAccess;
import dev.tether.Interpreter;
import dev.tether.PyBuffer;
import dev.tether.PyObject;
import dev.tether.PythonCallable;
import dev.tether.PythonRuntime;
import dev.tether.ThreadState;
import java.lang.System.Logger;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The Javadoc examples of {@code dev.tether}; compiled with the tests (running them needs a CPython). */
@SuppressWarnings("unused")
final class ApiSnippets {
    private static final Logger log = System.getLogger("example");

    private ApiSnippets() {}

    static void gettingStarted() {
        // @start region="start"
        try (PythonRuntime python = PythonRuntime.start()) {
            Interpreter main = python.mainInterpreter();
            long answer = main.call(ts -> (Long) ts.eval("6 * 7"));
        }
        // @end
    }

    static void subinterpreter() {
        // @start region="subinterpreter"
        try (PythonRuntime python = PythonRuntime.start()) {
            Interpreter sub = python.newInterpreter();
            String hello = sub.call(ts -> (String) ts.eval("'hello from ' + __name__"));
        }
        // @end
    }

    static void ensure(Interpreter interpreter) {
        // @start region="ensure"
        try (ThreadState ts = ThreadState.ensure(interpreter)) {
            ts.exec("import math");
            double r = (Double) ts.eval("math.sqrt(2)");
        }
        // @end
    }

    static void tryEnsure(Interpreter interpreter) {
        // @start region="tryEnsure"
        switch (ThreadState.tryEnsure(interpreter)) {
            case Ensured.Attached(ThreadState ts) -> {
                try (ts) {
                    ts.exec("work()");
                }
            }
            case Ensured.Refused(ErrorCode code, String message) -> log.log(Logger.Level.INFO, "skipped: " + code);
        }
        // @end
    }

    static void objects(Interpreter interpreter) {
        // @start region="objects"
        try (ThreadState ts = ThreadState.ensure(interpreter);
             PyObject json = ts.importModule("json")) {
            String text = json.callMethod("dumps", List.of(1, 2, 3)).as(String.class);   // "[1, 2, 3]"
        }
        // @end
    }

    static void callable(ThreadState ts) {
        // @start region="callable"
        PythonCallable add = (args, kwargs) -> (Long) args.get(0) + (Long) kwargs.getOrDefault("step", 1L);
        ts.globals().setItem("add", add);
        ts.eval("add(41)");           // 42
        ts.eval("add(40, step=2)");   // 42
        // @end
    }

    static void buffer(ThreadState ts) {
        // @start region="buffer"
        try (PyObject grid = ts.evalObject("memoryview(bytearray(48)).cast('d', [2, 3])");
             PyBuffer buffer = grid.buffer()) {
            String format = buffer.format();          // "d": float64
            long[] shape = buffer.shape();            // [2, 3]
            double[] values = buffer.toDoubleArray(); // a copy, in C order
            MemorySegment memory = buffer.segment();  // no copy: valid until the buffer is closed
        }
        // @end
    }

    static void toNumpy(ThreadState ts) {
        // @start region="toNumpy"
        MemorySegment data = Arena.ofAuto().allocate(ValueLayout.JAVA_DOUBLE, 6);
        try (PyObject array = ts.toNumpy(data, ValueLayout.JAVA_DOUBLE, 2, 3)) {  // numpy shares data's memory
            data.setAtIndex(ValueLayout.JAVA_DOUBLE, 4, 2.5);                     // seen as array[1, 1]
            double sum = array.callMethod("sum").as(Double.class);                 // 2.5
        }
        // @end
    }

    // @start region="hostAccessClass"
    /** A context Java hands to Python; only what is exported is reachable there. */
    public static final class Context {
        private long count;

        @HostAccess.Export
        public long add(long n) {
            return count += n;
        }

        @HostAccess.Export
        public long getCount() {   // Python: ctx.getCount() or ctx.count
            return count;
        }

        public void reset() {      // not exported: refused in Python
            count = 0;
        }
    }
    // @end

    static void hostAccess() {
        // @start region="hostAccess"
        try (PythonRuntime python = PythonRuntime.builder().hostAccess(HostAccess.EXPLICIT).start();
             ThreadState ts = ThreadState.ensure(python.mainInterpreter())) {
            Map<String, Long> state = new ConcurrentHashMap<>();
            ts.globals().setItem("ctx", new Context());          // a proxy: same object, exported members
            ts.globals().setItem("state", ts.view(state));       // a live MutableMapping, no copy
            ts.exec("""
                    ctx.add(2)
                    state['seen'] = ctx.count
                    try:
                        ctx.reset()
                    except AttributeError as e:                   # tether.HostAccessError
                        state['refused'] = 1
                    """);
            // state: {seen=2, refused=1}
        }
        // @end
    }
}
