package dev.tether.cpython.forked;

import dev.tether.Interpreter;
import dev.tether.PythonDistribution;
import dev.tether.PythonRuntime;
import java.util.ServiceLoader;

/**
 * A process that starts CPython with no configuration at all, as a user who only added tether-cpython would: prints
 * what it evaluated as {@code key=value} lines for the test to check, and exits 0 only if the values are right and
 * the runtime closed.
 */
public final class StartMain {
    private StartMain() {}

    /** Starts, evaluates, closes; exits 1 on a wrong value. */
    public static void main(String[] args) {
        ServiceLoader.load(PythonDistribution.class).stream().forEach(p -> {
            Module m = p.type().getModule();
            System.out.println("provider=" + p.type().getName() + " in " + (m.isNamed() ? m.getName() : "unnamed"));
        });
        Object json;
        Object sqrt;
        PythonRuntime runtime = PythonRuntime.start();
        try {
            System.out.println("location=" + runtime.location());
            Interpreter main = runtime.mainInterpreter();
            json = main.call(ts -> ts.eval("__import__('json').dumps([1,2])"));
            sqrt = main.call(ts -> ts.eval("__import__('math').sqrt(2)"));
            System.out.println("json=" + json);
            System.out.println("sqrt=" + sqrt);
            System.out.println("prefix=" + main.call(ts -> ts.eval("__import__('sys').prefix")));
            System.out.println("executable=" + main.call(ts -> ts.eval("__import__('sys').executable")));
            // the bundled interpreter runs: what subprocess and multiprocessing start
            System.out.println("subprocess=" + main.call(ts -> ts.eval("__import__('subprocess').run([__import__('sys')"
                    + ".executable, '-c', 'print(6 * 7)'], capture_output=True, text=True).stdout.strip()")));
            // _ctypes needs libffi: show which file the process mapped
            System.out.println("ctypes=" + main.call(ts -> {
                ts.exec("import ctypes");
                return ts.eval("ctypes.sizeof(ctypes.c_void_p)");
            }));
            System.out.println("libffi=" + main.call(ts -> ts.eval(
                    "' '.join(sorted({l.split()[-1] for l in open('/proc/self/maps') if 'libffi' in l}))")));
        } finally {
            runtime.close();
        }
        System.out.println("closed=" + runtime.isClosed());
        boolean ok = "[1, 2]".equals(json) && Double.valueOf(Math.sqrt(2)).equals(sqrt);
        System.out.flush();
        System.exit(ok ? 0 : 1);
    }
}
