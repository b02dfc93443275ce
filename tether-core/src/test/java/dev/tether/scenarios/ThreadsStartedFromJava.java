package dev.tether.scenarios;

import dev.tether.ErrorCode;
import dev.tether.Interpreter;
import dev.tether.PythonRuntime;
import dev.tether.ThreadStateException;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * F-DAEMON-INHERIT and F-FINALIZE-UNDER-DAEMONS: a thread that Python code starts from a Java thread is not a daemon
 * (unless asked), so closing its interpreter waits for it, as a standalone program's exit would (CPython's
 * {@code SubinterpThreadingTests.test_threads_join}); an explicit daemon thread that cannot be stopped keeps CPython
 * from being finalized under it, and the close says so.
 */
public final class ThreadsStartedFromJava extends Scenario {
    private static final String START = "import threading, time\n"
            + "def work():\n    time.sleep(0.3)\n    done('finished')\n"
            + "t = threading.Thread(target=work)\nt.start()\n";

    @Override
    protected void run(String[] args) throws Exception {
        PythonRuntime python = PythonRuntime.start();
        Interpreter main = python.mainInterpreter();
        Interpreter sub = python.newInterpreter();
        List<String> finished = new CopyOnWriteArrayList<>();
        for (Interpreter i : List.of(sub, main)) {
            i.run(ts -> {
                ts.globals().setItem("done", (Consumer<Object>) x -> finished.add(i.isMain() ? "main" : "sub"));
                ts.exec(START);
                check(Boolean.FALSE.equals(ts.eval("t.daemon")), "a thread started from Java is a daemon");
                count("notDaemon");
            });
        }
        long begin = System.nanoTime();
        sub.close();
        check(finished.contains("sub"), "closing the subinterpreter did not wait for its thread");
        count("subJoined");
        main.run(ts -> ts.exec("import time\nd = threading.Thread(target=time.sleep, args=(30,), daemon=True)\n"
                + "d.start()\n"));
        try {
            python.close(Duration.ofMillis(200));
            count("finalizedUnderDaemon");
        } catch (ThreadStateException e) {
            check(e.code() == ErrorCode.CLOSE_TIMED_OUT && e.getMessage().contains("(daemon)"), e.toString());
            System.out.println("close refused: " + e.getMessage());
            count("daemonKeptFinalizationOff");
        }
        check(finished.contains("main"), "closing the runtime did not wait for the main interpreter's thread");
        count("mainJoined");
        System.out.println("closes took " + (System.nanoTime() - begin) / 1_000_000 + " ms");
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    public static void suite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, ThreadsStartedFromJava.class, Duration.ofSeconds(60));
        Verdicts.clean(o);
        Verdicts.require(o.count("notDaemon") == 2 && o.count("subJoined") == 1 && o.count("mainJoined") == 1
                && o.count("daemonKeptFinalizationOff") == 1 && o.count("finalizedUnderDaemon") == 0,
                "threads started from Java", o);
    }
}
