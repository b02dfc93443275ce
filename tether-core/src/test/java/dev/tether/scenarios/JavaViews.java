package dev.tether.scenarios;

import dev.tether.PyObject;
import dev.tether.PythonRuntime;
import dev.tether.TestAccess;
import dev.tether.ThreadState;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Live views ({@code ThreadState.view}) under the default policy: Java {@code List}, {@code Map}, {@code Set},
 * {@code Collection}, {@code Iterable} and {@code Iterator} as {@code collections.abc} objects, no copy, changes
 * seen both ways, nested collections as views, read-only views; primitive arrays and {@code MemorySegment}s
 * through the buffer protocol ({@code memoryview}, and {@code numpy} where it can be imported): formats and
 * sizes, shared native memory, copies of heap arrays written back after release, read-only memory, a closed
 * arena failing cleanly; everything released afterwards. Argument: a directory with numpy, or "-".
 */
public final class JavaViews extends Scenario {
    @Override
    protected void run(String[] args) throws Exception {
        PythonRuntime python = PythonRuntime.start();
        try (ThreadState ts = ThreadState.ensure(python.mainInterpreter())) {
            ts.exec(String.join("\n",
                    "import collections.abc as abc, gc, sys",
                    "def error(code):",
                    "    try:",
                    "        exec(code, sys._getframe(1).f_globals)",
                    "    except Exception as e:",
                    "        return type(e).__name__ + ': ' + str(e)",
                    "    return None",
                    ""));
            lists(ts);
            maps(ts);
            setsAndIterators(ts);
            buffers(ts);
            numpy(ts, args.length > 0 ? args[0] : "-");
            ts.exec("gc.collect()");
        }
        released(python);
        python.close();
    }

    private PyObject scope(ThreadState ts) {
        return ts.evalObject("{'abc': abc, 'error': error}");
    }

    private void truths(ThreadState ts, PyObject scope, String counter, String... expressions) {
        for (String t : expressions) {
            Object r = ts.eval(t, scope);
            check(Boolean.TRUE.equals(r), "expected true: " + t + " (got " + r + ")");
            count(counter);
        }
    }

    private void lists(ThreadState ts) {
        List<Object> list = new ArrayList<>(List.of(1L, 2L, 3L));
        PyObject scope = scope(ts);
        scope.setItem("v", ts.view(list));
        scope.setItem("again", ts.view(list));
        ts.exec("v.append(4); v[0] = 10; del v[1]; v.insert(0, 'x'); v.extend([5, 6]); v.remove(5)", scope);
        check(list.equals(List.of("x", 10L, 3L, 4L, 6L)), "Python's changes are Java's: " + list);
        list.add(7L);
        truths(ts, scope, "listChecks",
                "v is again", "isinstance(v, abc.MutableSequence)", "len(v) == 6", "v[-1] == 7", "v[1:3] == [10, 3]",
                "list(v) == ['x', 10, 3, 4, 6, 7]", "10 in v and 99 not in v", "v.index(3) == 2", "v.count(4) == 1",
                "list(reversed(v))[0] == 7", "v == ['x', 10, 3, 4, 6, 7]", "str(v) == '[x, 10, 3, 4, 6, 7]'");
        ts.exec("v[1:3] = ['a', 'b', 'c']; del v[::2]; v.pop()", scope);
        check(list.equals(List.of("a", "c")), "slices assign and delete: " + list);
        check(((String) ts.eval("error('v[5]')", scope))
                .startsWith("IndexError"), "index out of range");
        count("listChecks", 2);
        List<List<Long>> nested = new ArrayList<>(List.of(new ArrayList<>(List.of(1L))));
        scope.setItem("n", ts.view(nested));
        ts.exec("n[0].append(2)", scope);
        check(nested.getFirst().equals(List.of(1L, 2L)), "a nested list is a view too: " + nested);
        scope.setItem("ro", ts.view(list, true));
        String refused = (String) ts.eval("error('ro.append(1)')", scope);
        check(refused != null && refused.startsWith("TypeError") && list.size() == 2, "read-only: " + refused);
        scope.setItem("fixed", ts.view(List.of(1, 2)));
        String unsupported = (String) ts.eval("error('fixed.append(3)')", scope);
        check(unsupported != null && unsupported.startsWith("UnsupportedOperationException"),
                "an unmodifiable Java list refuses: " + unsupported);
        count("listChecks", 3);
    }

    private void maps(ThreadState ts) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("a", 1L);
        PyObject scope = scope(ts);
        scope.setItem("m", ts.view(map));
        ts.exec("m['b'] = 2; m.update(c=3); m.setdefault('d', 4); del m['a']; x = m.pop('c')", scope);
        check(map.equals(Map.of("b", 2L, "d", 4L)), "Python's changes are Java's: " + map);
        map.put("l", new ArrayList<>(List.of(1L)));
        truths(ts, scope, "mapChecks",
                "isinstance(m, abc.MutableMapping)", "len(m) == 3", "m['b'] == 2", "m.get('zz', 7) == 7",
                "m.get('b') == 2", "'d' in m and 'a' not in m", "sorted(m.keys()) == ['b', 'd', 'l']",
                "dict(m.items())['d'] == 4", "x == 3", "m == {'b': 2, 'd': 4, 'l': [1]}",
                "error(\"m['nope']\").startswith('KeyError')");
        ts.exec("m['l'].append(2)", scope);
        check(map.get("l").equals(List.of(1L, 2L)), "a list in a map is a view: " + map);
        count("mapChecks");
    }

    private void setsAndIterators(ThreadState ts) {
        Set<Object> set = new LinkedHashSet<>(List.of(1L, 2L));
        PyObject scope = scope(ts);
        scope.setItem("s", ts.view(set));
        ts.exec("s.add(3); s.discard(1); s |= {4}", scope);
        check(set.equals(Set.of(2L, 3L, 4L)), "Python's changes are Java's: " + set);
        scope.setItem("it", ts.view(List.of("p", "q").iterator()));
        scope.setItem("iterable", ts.view((Iterable<String>) () -> List.of("r", "s").iterator()));
        scope.setItem("deque", ts.view(new ArrayDeque<>(List.of(5L, 6L))));
        truths(ts, scope, "setChecks",
                "isinstance(s, abc.MutableSet)", "s == {2, 3, 4}", "len(s) == 3 and 3 in s",
                "sorted(s) == [2, 3, 4]", "next(it) == 'p' and list(it) == ['q']",
                "error('next(it)').startswith('StopIteration')",
                "[x for x in iterable] == ['r', 's'] and isinstance(iterable, abc.Iterable)",
                "isinstance(deque, abc.Collection) and len(deque) == 2 and 6 in deque and list(deque) == [5, 6]");
        List<Object> list = new ArrayList<>(List.of(1L, 2L));
        scope.setItem("cm", ts.view(list));
        String cme = (String) ts.eval("error('for x in cm: cm.append(x)')", scope);
        check(cme != null && cme.startsWith("ConcurrentModificationException"), "a Java iterator's rules: " + cme);
        count("setChecks");
    }

    private void buffers(ThreadState ts) {
        PyObject scope = scope(ts);
        int[] ints = {1, 2, 3};
        scope.setItem("ints", ts.view(ints));
        scope.setItem("same", ts.view(ints));
        ts.exec("mv = memoryview(ints); shape = (mv.format, mv.itemsize, mv.nbytes, mv.shape, mv.readonly, "
                + "mv.tolist()); mv[0] = 100", scope);
        check(ints[0] == 1, "an array is a copy until the buffer is released");
        ts.exec("mv.release()", scope);
        check(ints[0] == 100, "Python's writes reach the array after release: " + Arrays.toString(ints));
        truths(ts, scope, "bufferChecks", "ints is same",
                "shape == ('i', 4, 12, (3,), False, [1, 2, 3])");
        check(ts.eval("ints", scope) == ints, "the buffer comes back to Java as the array");
        Object[][] formats = {{new double[] {1.5}, "d", 8L}, {new long[] {1}, "q", 8L}, {new byte[] {1}, "b", 1L},
            {new short[] {1}, "h", 2L}, {new float[] {1}, "f", 4L}, {new char[] {'a'}, "H", 2L}};
        for (Object[] f : formats) {
            scope.setItem("a", ts.view(f[0]));
            List<?> r = (List<?>) ts.eval("[memoryview(a).format, memoryview(a).itemsize]", scope);
            check(r.equals(List.of(f[1], f[2])), "format of " + f[0].getClass().getSimpleName() + ": " + r);
            count("bufferChecks");
        }
        int[] fixed = {1, 2};
        scope.setItem("ro", ts.view(fixed, true));
        String ro = (String) ts.eval("error('m = memoryview(ro); m[0] = 5')", scope);
        check(ro != null && ro.startsWith("TypeError") && fixed[0] == 1, "read-only array: " + ro);
        count("bufferChecks");
        segments(ts, scope);
    }

    private void segments(ThreadState ts, PyObject scope) {
        MemorySegment native8 = Arena.ofAuto().allocate(8);
        scope.setItem("seg", ts.view(native8));
        ts.exec("sm = memoryview(seg); sm[0] = 42", scope);
        check(native8.get(ValueLayout.JAVA_BYTE, 0) == 42, "a native segment is shared: Java sees it at once");
        native8.set(ValueLayout.JAVA_BYTE, 1, (byte) 7);
        truths(ts, scope, "bufferChecks", "sm[1] == 7 and sm.format == 'B' and len(sm) == 8",
                "bytes(sm[:2]) == bytes([42, 7])");
        ts.exec("sm.release()", scope);
        scope.setItem("rseg", ts.view(native8.asReadOnly()));
        truths(ts, scope, "bufferChecks", "memoryview(rseg).readonly",
                "error('memoryview(rseg)[0] = 1').startswith('TypeError')");
        Arena arena = Arena.ofShared();
        MemorySegment closing = arena.allocate(16);
        scope.setItem("gone", ts.view(closing));
        ts.exec("with memoryview(gone) as g:\n    g[0] = 1\n", scope);
        arena.close();
        String gone = (String) ts.eval("error('memoryview(gone)')", scope);
        check(gone != null && gone.startsWith("BufferError") && gone.contains("arena"), "closed arena: " + gone);
        MemorySegment heap = MemorySegment.ofArray(new long[2]);
        scope.setItem("heap", ts.view(heap));
        ts.exec("with memoryview(heap) as h:\n    h[0] = 9\n", scope);
        check(heap.get(ValueLayout.JAVA_BYTE, 0) == 9, "a heap segment is copied back after release");
        count("bufferChecks", 2);
    }

    /** numpy shares the memory of a native segment and reads an array's format, if it can be imported. */
    private void numpy(ThreadState ts, String location) {
        if (!location.equals("-")) {
            ts.exec("import sys, ctypes\nsys.path.insert(0, " + quote(location + "/python") + ")\n"
                    + "for lib in ('libgcc_s.so.1', 'libquadmath.so.0', 'libgfortran.so.5', 'libopenblas.so.0'):\n"
                    + "    ctypes.CDLL(" + quote(location + "/") + " + lib, mode=ctypes.RTLD_GLOBAL)\n");
        }
        if (!Boolean.TRUE.equals(ts.eval("__import__('importlib.util').util.find_spec('numpy') is not None"))) {
            count("numpyUnavailable");
            return;
        }
        PyObject scope = scope(ts);
        ts.exec("import numpy as np", scope);
        MemorySegment longs = Arena.ofAuto().allocate(8 * 4);
        scope.setItem("seg", ts.view(longs));
        double[] doubles = {1.5, 2.5};
        scope.setItem("ds", ts.view(doubles));
        ts.exec("x = np.frombuffer(seg, dtype=np.int64); x[1] = 5; y = np.asarray(ds)", scope);
        check(longs.getAtIndex(ValueLayout.JAVA_LONG, 1) == 5, "numpy writes into the segment");
        check(Long.valueOf(longs.address()).equals(ts.eval("x.ctypes.data", scope)), "no copy: same address");
        truths(ts, scope, "numpyChecks", "y.dtype == np.float64 and y.tolist() == [1.5, 2.5]");
        ts.exec("y[0] = 9.0; del x, y; import gc; gc.collect()", scope);
        check(doubles[0] == 9.0, "numpy's writes reach the array once it is gone: " + Arrays.toString(doubles));
        count("numpyChecks", 3);
    }

    private void released(PythonRuntime python) throws InterruptedException {
        for (int i = 0; i < 40; i++) {
            System.gc();
            Thread.sleep(50);
            int proxies = python.mainInterpreter().call(ts -> {
                ts.exec("gc.collect()");
                return TestAccess.liveProxies(python.mainInterpreter());
            });
            if (proxies == 0 && TestAccess.liveBuffers() == 0) {
                count("released");
                return;
            }
        }
        check(false, "views still alive: " + TestAccess.liveProxies(python.mainInterpreter()) + " proxies, "
                + TestAccess.liveBuffers() + " buffers");
    }

    private static String quote(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    static final int LIST_CHECKS = 17;
    static final int MAP_CHECKS = 12;
    static final int SET_CHECKS = 9;
    static final int BUFFER_CHECKS = 15;

    /** Runs and judges the scenario on {@code python}. */
    public static void suite(PythonInstall python) {
        String numpy = python.name().equals("3.14") ? numpyFromMavenRepository() : "-";
        Outcome o = ScenarioRunner.run(python, JavaViews.class, Duration.ofMinutes(2), numpy);
        Verdicts.clean(o);
        Verdicts.require(o.count("listChecks") == LIST_CHECKS && o.count("mapChecks") == MAP_CHECKS
                && o.count("setChecks") == SET_CHECKS, "collection views", o);
        Verdicts.require(o.count("bufferChecks") == BUFFER_CHECKS, "buffers", o);
        Verdicts.require(o.count("numpyChecks") == 4 || o.count("numpyUnavailable") == 1, "numpy", o);
        Verdicts.require(o.count("released") == 1, "everything released", o);
        Verdicts.report(String.format("java-views CPython %-6s numpy %s", python,
                o.count("numpyChecks") == 4 ? "checked" : "not importable (skipped)"));
    }

    /**
     * numpy for CPython 3.14 from the local Maven repository ({@code org.bytedeco:numpy} and {@code openblas}),
     * unpacked under {@code target/}, if they are there; "-" otherwise. (The {@code tether-numpy} module, when it
     * exists, is the proper way; this only lets the buffer exporter meet numpy in the tests.)
     */
    static String numpyFromMavenRepository() {
        Path repo = Path.of(System.getProperty("user.home"), ".m2", "repository", "org", "bytedeco");
        Path numpy = repo.resolve("numpy/2.4.2-1.5.13/numpy-2.4.2-1.5.13-linux-x86_64.jar");
        Path openblas = repo.resolve("openblas/0.3.31-1.5.13/openblas-0.3.31-1.5.13-linux-x86_64.jar");
        if (!Files.isRegularFile(numpy) || !Files.isRegularFile(openblas)) {
            return "-";
        }
        Path target = Path.of("target", "numpy-3.14").toAbsolutePath();
        try {
            unzip(numpy, "org/bytedeco/numpy/linux-x86_64/", target);
            unzip(openblas, "org/bytedeco/openblas/linux-x86_64/", target);
            return target.toString();
        } catch (IOException e) {
            return "-";
        }
    }

    /** Extracts the entries under {@code prefix} into {@code target}, keeping the path below the prefix. */
    private static void unzip(Path jar, String prefix, Path target) throws IOException {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(jar))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.isDirectory() || !e.getName().startsWith(prefix)) {
                    continue;
                }
                Path out = target.resolve(e.getName().substring(prefix.length())).normalize();
                if (out.startsWith(target) && !Files.exists(out)) {
                    Files.createDirectories(out.getParent());
                    Files.write(out, in.readAllBytes());
                }
            }
        }
    }
}
