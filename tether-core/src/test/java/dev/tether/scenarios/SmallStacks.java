package dev.tether.scenarios;

import dev.tether.Interpreter;
import dev.tether.PyObject;
import dev.tether.PythonCallable;
import dev.tether.PythonException;
import dev.tether.PythonRuntime;
import dev.tether.ThreadState;
import dev.tether.testing.Scenario;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Python code that goes deep on the C stack ({@code stack_cases.py}: deeply nested data through repr, str, json,
 * pickle, deepcopy, comparison; deeply nested source through compile and eval; plain recursion) run on Java threads
 * with small stacks. Each case raises the exception CPython raises on its own 8 MB main thread, or completes where
 * that completes; none crashes the JVM.
 *
 * <p>Arguments: the stack sizes in KiB (comma-separated), then the cases (comma-separated, or {@code all}).
 */
public final class SmallStacks extends Scenario {
    @Override
    protected void run(String[] args) throws Exception {
        List<Integer> sizes = new ArrayList<>();
        for (String s : args[0].split(",")) {
            sizes.add(Integer.parseInt(s));
        }
        PythonRuntime python = PythonRuntime.start();
        Interpreter main = python.mainInterpreter();
        List<String> cases = main.call(ts -> {
            load(ts);
            return args[1].equals("all") ? names(ts) : List.of(args[1].split(","));
        });
        for (int kb : sizes) {
            for (String name : cases) {
                runCase(main, name, kb);
            }
        }
        python.close();
        count("closed");
    }

    private void runCase(Interpreter interpreter, String name, int kb) throws InterruptedException {
        System.out.println("@running " + name + " " + kb + "KB");
        System.out.flush();
        AtomicReference<String> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("stack-" + kb + "k").stackSize(kb * 1024L).start(() -> {
            try (ThreadState ts = ThreadState.ensure(interpreter)) {
                result.set(outcome(ts, name));
                check(Long.valueOf(2).equals(ts.eval("1 + 1")), "the thread cannot run Python after " + name);
            } catch (Throwable e) {
                result.set("failed " + e);
            }
        });
        t.join();
        System.out.println("@ran " + name + " " + kb + "KB: " + result.get());
        count("case " + name + " " + kb + "KB " + result.get());
    }

    private static String outcome(ThreadState ts, String name) {
        try {
            ts.eval("stack_cases." + name + "()");
            return "completed";
        } catch (PythonException e) {
            System.out.println("@message " + e.getMessage().lines().limit(3).toList() + " cause " + e.getCause());
            return "raised " + e.pythonType();
        }
    }

    /** Makes {@code stack_cases.py} (a resource next to this class) importable as {@code stack_cases}. */
    private static void load(ThreadState ts) {
        try (InputStream in = SmallStacks.class.getResourceAsStream("stack_cases.py")) {
            ts.globals().setItem("_stack_cases_source", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        ts.exec("import sys, types\n"
                + "stack_cases = types.ModuleType('stack_cases')\n"
                + "exec(compile(_stack_cases_source, 'stack_cases.py', 'exec'), stack_cases.__dict__)\n"
                + "sys.modules['stack_cases'] = stack_cases\n");
        PythonCallable javaCall = (args, kwargs) -> ((PyObject) args.get(0)).invoke(args.get(1));
        ts.importModule("stack_cases").setAttr("java_call", javaCall);
    }

    @SuppressWarnings("unchecked")
    private static List<String> names(ThreadState ts) {
        return (List<String>) ts.eval("stack_cases.NAMES + stack_cases.JAVA_NAMES");
    }
}
