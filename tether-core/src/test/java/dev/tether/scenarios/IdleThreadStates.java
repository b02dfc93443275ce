package dev.tether.scenarios;

import dev.tether.ErrorCode;
import dev.tether.Interpreter;
import dev.tether.PythonRuntime;
import dev.tether.TestAccess;
import dev.tether.ThreadStateException;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * The idle thread states threads keep in subinterpreters, and each way a subinterpreter's end deals with them
 * (ThreadStates, "Idle thread states of subinterpreters"). Every phase uses a fresh subinterpreter and
 * {@link #OWNERS} platform threads that attach to it and stay idle, then closes it and checks three things: the
 * handle is CLOSED at once; CPython's end happens (now, or once the owners move on, as the phase arranges); and
 * before each owner attaches anything again, its gilstate slot points at a live thread state or nothing, never at
 * freed memory.
 *
 * <ol>
 *   <li>moved: the owners attached the main interpreter after the sub, so no slot points there: ends at once.</li>
 *   <li>elsewhere: the owners stay idle through the close (where the slot follows every attach, 3.12+, the end is
 *       deferred for them, and the sub's atexit functions still run at the close), then attach the main
 *       interpreter: the end follows.</li>
 *   <li>retry: the owners retry the closed sub; the refusal parks their slots; the end follows.</li>
 *   <li>die: the owners end without touching Python again; the watcher notices; the end follows.</li>
 *   <li>dead: the owners ended before the close: ends at once.</li>
 *   <li>carriers: 200 virtual threads called the sub through Tether's carriers; they retire while idle.</li>
 *   <li>forever: the owners stay idle until after the runtime closed; the runtime's close ends the sub.</li>
 * </ol>
 */
public final class IdleThreadStates extends Scenario {
    /** Threads that attach to each phase's subinterpreter. */
    static final int OWNERS = 4;
    /** How long an end that waits for owners may take once they moved on (the watcher looks every 100 ms). */
    static final Duration END_WITHIN = Duration.ofSeconds(10);

    private PythonRuntime python;
    private Interpreter main;
    /** Every interpreter whose thread lists a slot may point into. */
    private final List<Interpreter> known = new CopyOnWriteArrayList<>();
    /** Whether this build defers an end for idle owners (3.12+, where subinterpreter thread states are kept). */
    private boolean defers;

    @Override
    protected void run(String[] args) throws Exception {
        python = PythonRuntime.start();
        main = python.mainInterpreter();
        known.add(main);
        var facts = TestAccess.impl(main).facts();
        defers = facts.gilstateFollowsAttach() && facts.cachesSubinterpreterThreadStates();
        count("defers", defers ? 1 : 0);
        moved();
        elsewhere();
        retry();
        die();
        dead();
        carriers();
        forever();
    }

    private void moved() throws Exception {
        Interpreter sub = newSub();
        Owners owners = new Owners(sub, true);
        sub.close();
        expectEnded(sub, "moved", 0);
        owners.finish(() -> main.run(ts -> ts.exec("pass")));
        count("phasesPassed");
    }

    private void elsewhere() throws Exception {
        Interpreter sub = newSub();
        Path marker = Files.createTempFile("tether-atexit-", ".txt");
        sub.run(ts -> ts.exec("import atexit\n"
                + "def _mark():\n"
                + "    with open(" + pyString(marker) + ", 'a') as f:\n"
                + "        f.write('x')\n"
                + "atexit.register(_mark)"));
        Owners owners = new Owners(sub, false);
        sub.close(); // also from a thread that used the sub: its own idle thread state goes first
        check(Files.readString(marker).equals("x"), "the closed subinterpreter's atexit functions ran '"
                + Files.readString(marker) + "' at the close");
        expectDeferred(sub, "elsewhere");
        owners.finish(() -> main.run(ts -> ts.exec("pass")));
        expectEnded(sub, "elsewhere", END_WITHIN.toMillis());
        check(Files.readString(marker).equals("x"), "atexit functions ran again at the deferred end");
        Files.delete(marker);
        count("phasesPassed");
    }

    private static String pyString(Path path) {
        return "'" + path.toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private void retry() throws Exception {
        Interpreter sub = newSub();
        Owners owners = new Owners(sub, false);
        sub.close();
        expectDeferred(sub, "retry");
        owners.finish(() -> {
            try {
                sub.run(ts -> ts.exec("pass"));
                count("retryAttached");
            } catch (ThreadStateException e) {
                count(e.code() == ErrorCode.INTERPRETER_CLOSED ? "retryRefused" : "retryWrongCode");
            }
        });
        expectEnded(sub, "retry", END_WITHIN.toMillis());
        count("phasesPassed");
    }

    private void die() throws Exception {
        Interpreter sub = newSub();
        Owners owners = new Owners(sub, false);
        sub.close();
        expectDeferred(sub, "die");
        owners.finish(() -> {});
        expectEnded(sub, "die", END_WITHIN.toMillis());
        count("phasesPassed");
    }

    private void dead() throws Exception {
        Interpreter sub = newSub();
        new Owners(sub, false).finish(() -> {});
        sub.close();
        expectEnded(sub, "dead", 0);
        count("phasesPassed");
    }

    private void carriers() throws Exception {
        Interpreter sub = newSub();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            threads.add(Thread.ofVirtual().start(() -> sub.run(ts -> ts.exec("x = 1"))));
        }
        for (Thread t : threads) {
            t.join();
        }
        long begin = System.nanoTime();
        sub.close();
        expectEnded(sub, "carriers", END_WITHIN.toMillis());
        count("carrierEndMillis", (System.nanoTime() - begin) / 1_000_000);
        count("phasesPassed");
    }

    private void forever() throws Exception {
        Interpreter sub = newSub();
        Owners owners = new Owners(sub, false);
        sub.close();
        expectDeferred(sub, "forever");
        python.close(Duration.ofSeconds(30));
        check(python.isClosed(), "the runtime did not close with owners idle in a deferred subinterpreter");
        check(TestAccess.endedInCPython(sub), "the runtime closed but the deferred subinterpreter was not ended");
        owners.release.countDown(); // they end without touching Python
        for (Thread t : owners.threads) {
            t.join(30_000);
            check(!t.isAlive(), t.getName() + " did not end");
        }
        count("phasesPassed");
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private Interpreter newSub() {
        Interpreter sub = python.newInterpreter();
        known.add(sub);
        return sub;
    }

    /** The end happened within {@code millis} (0: already). */
    private void expectEnded(Interpreter sub, String phase, long millis) throws InterruptedException {
        check(sub.state() == Interpreter.State.CLOSED, phase + ": the handle is " + sub.state());
        waitFor(() -> TestAccess.endedInCPython(sub), millis);
        check(TestAccess.endedInCPython(sub), phase + ": CPython has not ended the subinterpreter"
                + " (deferred end waits for " + TestAccess.deferredWaiting(sub) + " threads)");
        count(phase + "Ended");
    }

    /** The handle is CLOSED; where the build defers, CPython's end waits for the idle owners. */
    private void expectDeferred(Interpreter sub, String phase) {
        check(sub.state() == Interpreter.State.CLOSED, phase + ": the handle is " + sub.state());
        if (defers) {
            check(!TestAccess.endedInCPython(sub), phase + ": ended although owners' slots point there");
            check(TestAccess.deferredWaiting(sub) == OWNERS, phase + ": the deferred end waits for "
                    + TestAccess.deferredWaiting(sub) + " threads, expected " + OWNERS);
            count(phase + "Deferred");
        } else {
            check(TestAccess.endedInCPython(sub), phase + ": not ended on a build that never defers");
        }
    }

    private static void waitFor(BooleanSupplier condition, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    /**
     * {@link #OWNERS} threads that attach to {@code sub} a few times (and then, if {@code thenMain}, to the main
     * interpreter), and wait idle; {@link #finish} lets them check their slot and run {@code next}, then end.
     */
    private final class Owners {
        final List<Thread> threads = new ArrayList<>();
        final CountDownLatch ready = new CountDownLatch(OWNERS);
        final CountDownLatch release = new CountDownLatch(1);
        volatile Runnable next = () -> {};

        Owners(Interpreter sub, boolean thenMain) throws InterruptedException {
            for (int i = 0; i < OWNERS; i++) {
                threads.add(Thread.ofPlatform().name("owner-" + i).start(() -> {
                    for (int k = 0; k < 3; k++) {
                        sub.run(ts -> ts.exec("v = sum(range(10))"));
                    }
                    if (thenMain) {
                        main.run(ts -> ts.exec("pass"));
                    }
                    ready.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (!python.isClosed()) {
                        count(TestAccess.gilstateSlotValid(known) ? "slotValid" : "slotDangling");
                    }
                    next.run();
                }));
            }
            ready.await();
        }

        /** Lets every owner check its slot and run {@code then}; waits for them to end. */
        void finish(Runnable then) throws InterruptedException {
            next = then;
            release.countDown();
            for (Thread t : threads) {
                t.join(30_000);
                check(!t.isAlive(), t.getName() + " did not end");
            }
        }
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** Phases {@link #run} goes through. */
    static final int PHASES = 7;

    /** Runs and judges the scenario on {@code python}. */
    public static void suite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, IdleThreadStates.class, Duration.ofMinutes(2));
        Verdicts.clean(o);
        Verdicts.require(o.count("phasesPassed") == PHASES, "phases passed", o);
        Verdicts.require(o.count("slotDangling") == 0, "a thread's gilstate slot pointed at freed memory", o);
        Verdicts.require(o.count("slotValid") == 5L * OWNERS, "slot checks", o);
        Verdicts.require(o.count("retryRefused") == OWNERS && o.count("retryWrongCode") == 0
                && o.count("retryAttached") == 0, "retries of the closed subinterpreter", o);
        long deferred = o.count("elsewhereDeferred") + o.count("retryDeferred") + o.count("dieDeferred")
                + o.count("foreverDeferred");
        Verdicts.require(deferred == (o.count("defers") == 1 ? 4 : 0), "deferred ends", o);
        Verdicts.report(String.format("idle-thread-states CPython %-6s phases=%d deferredEnds=%d slotChecks=%d"
                        + " dangling=0 carrierEndMs=%d", python, o.count("phasesPassed"), deferred,
                o.count("slotValid"), o.count("carrierEndMillis")));
    }
}
