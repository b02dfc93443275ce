package dev.tether.scenarios;

import dev.tether.*;
import java.util.*;

public final class SmokeBench {
    public static class Ctx {
        public long n;
        public long add(long k) { n += k; return n; }
        public void nop() {}
    }
    public static void main(String[] a) throws Exception {
        try (PythonRuntime py = PythonRuntime.builder().hostAccess(HostAccess.ALL).start()) {
            try (ThreadState ts = ThreadState.ensure(py.mainInterpreter())) {
                Ctx c = new Ctx();
                ts.globals().setItem("ctx", c);
                long[] box = {0};
                ts.globals().setItem("add", (PythonCallable) (args, kw) -> box[0] += (Long) args.get(0));
                ts.exec("import timeit\nclass P:\n    def __init__(self): self.n = 0\n    def add(self, k):\n        self.n += k\n        return self.n\np = P()\n");
                for (int r = 0; r < 12; r++) {
                    for (String stmt : List.of("ctx.add(1)", "add(1)", "p.add(1)", "ctx.n", "ctx.nop()", "ctx.nop", "str(ctx)")) {
                        double t = (Double) ts.eval("timeit.timeit('" + stmt + "', globals=globals(), number=200000)");
                        System.out.printf("%-12s %.1f ns%n", stmt, t / 200000 * 1e9);
                    }
                }
            }
        }
    }
}
