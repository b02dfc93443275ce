package dev.tether.scenarios;

import dev.tether.Ensured;
import dev.tether.ErrorCode;
import dev.tether.Interpreter;
import dev.tether.PythonRuntime;
import dev.tether.TestAccess;
import dev.tether.ThreadState;
import dev.tether.ThreadStateException;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Creates and closes subinterpreters many times while other threads attach through the handles of interpreters
 * closed earlier (each such attach must be refused with INTERPRETER_CLOSED) and use the live one. Afterwards no
 * thread state may be left behind in the live interpreters. Argument: the number of cycles.
 */
public final class SubinterpreterChurn extends Scenario {
    /** Subinterpreters made, used by two threads each, and closed, per JVM. */
    static final int CYCLES = 100;
    /** Threads that use the last, live subinterpreter and end. */
    private static final int LIVE_USERS = 8;

    @Override
    protected void run(String[] args) throws Exception {
        int cycles = Integer.parseInt(args[0]);
        PythonRuntime python = PythonRuntime.start();
        Interpreter main = python.mainInterpreter();
        int mainBaseline = TestAccess.threadStates(main);
        List<Interpreter> closed = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> stale = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            stale.add(Thread.ofPlatform().name("stale-" + i).start(() -> attachStale(closed, stop)));
        }
        for (int cycle = 0; cycle < cycles; cycle++) {
            Interpreter sub = python.newInterpreter();
            List<Thread> users = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                users.add(Thread.ofPlatform().start(() -> use(sub)));
            }
            for (Thread t : users) {
                t.join();
            }
            sub.close();
            check(sub.state() == Interpreter.State.CLOSED, "closed subinterpreter is " + sub.state());
            closed.add(sub);
            count("cycles");
        }
        stop.set(true);
        for (Thread t : stale) {
            t.join(30_000);
            check(!t.isAlive(), t.getName() + " did not end");
        }
        check(python.interpreters().equals(List.of(main)), "live interpreters: " + python.interpreters());

        // Nothing left behind: the main interpreter has what it had once the threads' idle ones are reclaimed (before
        // 3.12 a thread that uses a subinterpreter keeps a main-interpreter thread state too, as its gilstate anchor;
        // those of terminated threads are reclaimed like any other) ...
        TestAccess.prune(main);
        long mainDeadline = System.nanoTime() + 10_000_000_000L;
        while (TestAccess.threadStates(main) != mainBaseline && System.nanoTime() < mainDeadline) {
            Thread.sleep(10);
        }
        int mainAfter = TestAccess.threadStates(main);
        count("mainThreadStatesBefore", mainBaseline);
        count("mainThreadStatesAfter", mainAfter);
        check(mainAfter == mainBaseline, "main interpreter thread states " + mainBaseline + " -> " + mainAfter);
        // ... and a live subinterpreter used by many threads keeps only its own first thread state (+ ours) once the
        // idle thread states of the terminated users are reclaimed (where the build allows it: else CPython deletes
        // them when the interpreter ends).
        Interpreter live = python.newInterpreter();
        List<Thread> users = new ArrayList<>();
        for (int i = 0; i < LIVE_USERS; i++) {
            users.add(Thread.ofPlatform().start(() -> use(live)));
        }
        for (Thread t : users) {
            t.join();
        }
        boolean reclaims = TestAccess.impl(live).facts().canReapDeadThreads()
                || !TestAccess.impl(live).cachesThreadStates();
        long reapedBefore = TestAccess.reaped(live);
        TestAccess.prune(live);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (reclaims && TestAccess.impl(live).cachesThreadStates()
                && TestAccess.reaped(live) - reapedBefore < LIVE_USERS && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        int liveStates = TestAccess.threadStates(live);
        count("liveSubThreadStates", liveStates);
        int expected = reclaims ? 2 : 2 + LIVE_USERS;
        check(liveStates == expected, "live subinterpreter has " + liveStates + " thread states, expected " + expected);
        python.close(Duration.ofSeconds(30));
    }

    private void use(Interpreter sub) {
        for (int i = 0; i < 5; i++) {
            try (ThreadState ts = ThreadState.ensure(sub)) {
                ts.exec("v = sum(range(100))");
                check((Long) ts.eval("v") == 4950, "wrong value");
            }
            count("uses");
        }
    }

    private void attachStale(List<Interpreter> closed, AtomicBoolean stop) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (!stop.get()) {
            if (closed.isEmpty()) {
                Thread.onSpinWait();
                continue;
            }
            Interpreter old = closed.get(random.nextInt(closed.size()));
            switch (ThreadState.tryEnsure(old)) {
                case Ensured.Attached(ThreadState ts) -> {
                    ts.close();
                    count("staleAttached");
                }
                case Ensured.Refused(ErrorCode code, String message) ->
                        count(code == ErrorCode.INTERPRETER_CLOSED ? "staleRefusedClosed" : "staleRefusedOther");
            }
            try {
                old.guard().close();
                count("staleGuarded");
            } catch (ThreadStateException e) {
                count(e.code() == ErrorCode.INTERPRETER_CLOSED ? "staleRefusedClosed" : "staleRefusedOther");
            }
            try {
                old.run(ts -> ts.exec("pass"));
                count("staleAttached");
            } catch (ThreadStateException e) {
                count(e.code() == ErrorCode.INTERPRETER_CLOSED ? "staleRefusedClosed" : "staleRefusedOther");
            }
        }
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** Runs and judges the scenario on {@code python}. */
    public static void suite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, SubinterpreterChurn.class, Duration.ofMinutes(4), Integer.toString(CYCLES));
        Verdicts.clean(o);
        Verdicts.require(o.count("cycles") == CYCLES, "cycles", o);
        Verdicts.require(o.count("staleAttached") == 0 && o.count("staleRefusedOther") == 0,
                "a stale handle attached or was refused with the wrong code", o);
        Verdicts.require(o.count("staleRefusedClosed") > 0, "no stale attach was tried", o);
        Verdicts.report(String.format("churn CPython %-6s cycles=%d staleRefusedClosed=%d staleAttached=0"
                        + " mainThreadStates=%d->%d liveSubThreadStates=%d", python, o.count("cycles"),
                o.count("staleRefusedClosed"), o.count("mainThreadStatesBefore"), o.count("mainThreadStatesAfter"),
                o.count("liveSubThreadStates")));
    }
}
