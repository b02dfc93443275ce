package dev.tether.scenarios;

import dev.tether.*;
import java.util.*;

public final class Smoke {
    public static class Counter {
        public long count;
        public final String name = "c";
        @HostAccess.Export public long add(long n) { count += n; return count; }
        @HostAccess.Export public String add(String s) { return "s:" + s; }
        @HostAccess.Export public long getCount() { return count; }
        @HostAccess.Export public void setCount(long c) { count = c; }
        public void hidden() {}
        @HostAccess.Export public Counter self() { return this; }
        @HostAccess.Export public void fail() { throw new IllegalStateException("boom"); }
        @Override public String toString() { return "Counter(" + count + ")"; }
    }
    public static void main(String[] a) throws Exception {
        try (PythonRuntime py = PythonRuntime.builder().hostAccess(HostAccess.EXPLICIT).start()) {
            Interpreter main = py.mainInterpreter();
            try (ThreadState ts = ThreadState.ensure(main)) {
                Counter c = new Counter();
                ts.globals().setItem("c", c);
                System.out.println(ts.eval("c.add(5)"));
                System.out.println(ts.eval("c.add('x')"));
                System.out.println(ts.eval("str(c) + ' ' + repr(c) + ' ' + type(c).__qualname__ + ' ' + type(c).__module__"));
                System.out.println(ts.eval("c.self() is c"));
                System.out.println(ts.eval("c.count"));
                ts.exec("c.count = 10");
                System.out.println(c.count);
                ts.exec("try:\n c.hidden()\nexcept AttributeError as e:\n r = type(e).__module__ + '.' + type(e).__name__ + ': ' + str(e)\n");
                System.out.println(ts.eval("r"));
                ts.exec("try:\n c.getClass()\nexcept AttributeError as e:\n r = type(e).__module__ + '.' + type(e).__name__ + ': ' + str(e)\n");
                System.out.println(ts.eval("r"));
                ts.exec("try:\n c.nothing\nexcept AttributeError as e:\n r = type(e).__module__ + '.' + type(e).__name__ + ': ' + str(e)\n");
                System.out.println(ts.eval("r"));
                ts.exec("try:\n c.fail()\nexcept RuntimeError as e:\n r = type(e).__module__ + '.' + type(e).__name__ + ': ' + str(e)\n");
                System.out.println(ts.eval("r"));
                System.out.println(ts.eval("c == c.self(), hash(c) == hash(c), isinstance(c, type(c))"));
                Object back = ts.eval("c");
                System.out.println(back == c);
                List<Object> list = new ArrayList<>(List.of(1L, 2L, 3L));
                ts.globals().setItem("l", ts.view(list));
                ts.exec("l.append(4); l[0] = 10; del l[1]; l.insert(0, 'x')");
                System.out.println(list + " " + ts.eval("len(l), l[-1], l[1:3], list(l), 10 in l"));
                Map<String, Object> m = new HashMap<>();
                ts.globals().setItem("m", ts.view(m));
                ts.exec("m['a'] = 1; m.setdefault('b', []).append(2) if False else None; m.update(x=5)");
                System.out.println(m + " " + ts.eval("dict(m), m.get('zz', 7), 'a' in m, sorted(m.keys())"));
                int[] arr = {1, 2, 3};
                ts.globals().setItem("arr", ts.view(arr));
                ts.exec("mv = memoryview(arr); r = (mv.format, mv.itemsize, mv.tolist()); mv[0] = 100; mv.release()");
                System.out.println(ts.eval("r") + " " + Arrays.toString(arr));
                System.out.println(TestAccess.liveProxies(main) + " live, buffers " + TestAccess.liveBuffers());
                ts.exec("del c, l, m, arr, mv, r");
            }
            System.gc();
            main.run(ts -> ts.exec("import gc; gc.collect()"));
            System.out.println(TestAccess.liveProxies(main) + " live, buffers " + TestAccess.liveBuffers());
        }
    }
}
