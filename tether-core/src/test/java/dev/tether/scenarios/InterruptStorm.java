package dev.tether.scenarios;

import dev.tether.ErrorCode;
import dev.tether.Interpreter;
import dev.tether.PythonException;
import dev.tether.PythonRuntime;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Threads (platform and virtual) make calls into the main interpreter and a subinterpreter, some endless (only an
 * interrupt or a timeout ends them), some short, some timed, some a timed call nested in an outer attachment,
 * while an interrupter calls {@link Thread#interrupt()} on them at random moments. Each interrupt is sent while the
 * worker is inside one call, recorded under a lock the worker takes to enter and leave each call, and the worker
 * clears its interrupt status after each call; so an interrupt exception in a call that was never sent one is an
 * interrupt delivered to the wrong call, and an endless call that was sent one and never ends is a lost interrupt.
 * Before the storm, one interrupt per blocking call shows that the call returns first.
 */
public final class InterruptStorm extends Scenario {
    static final int PLATFORM_WORKERS = 3;
    static final int VIRTUAL_WORKERS = 3;
    static final int CALLS_PER_WORKER = Integer.getInteger("tether.test.interruptCalls", 120);
    /** An endless call that was sent an interrupt and still runs after this long lost it. */
    static final long LOST_AFTER_MILLIS = 5000;
    /** Blocking calls that an interrupt of a non-main thread cannot cut short (F-ASYNC-EXC). */
    static final List<String> BLOCKING = List.of(
            "time.sleep(0.3)",
            "threading.Event().wait(0.3)",
            "_l.acquire(timeout=0.3)",
            "try:\n    _q.get(timeout=0.3)\nexcept queue.Empty:\n    pass");

    /** What one worker is doing; guarded by itself. */
    static final class Worker {
        final Thread thread;
        long current;
        boolean endless;
        long sentAt;
        final Set<Long> sent = ConcurrentHashMap.newKeySet();

        Worker(Thread thread) {
            this.thread = thread;
        }
    }

    enum Mode { ENDLESS, SHORT, TIMED_ENDLESS, TIMED_SHORT, NESTED }

    private volatile boolean done;

    @Override
    protected void run(String[] args) throws Exception {
        try (PythonRuntime python = PythonRuntime.start()) {
            Interpreter main = python.mainInterpreter();
            Interpreter sub = python.newInterpreter();
            blockingReturnsFirst(main);
            List<Worker> workers = new ArrayList<>();
            for (int i = 0; i < PLATFORM_WORKERS + VIRTUAL_WORKERS; i++) {
                Interpreter target = i % 2 == 0 ? main : sub;
                Worker[] self = new Worker[1];
                Thread.Builder builder = i < PLATFORM_WORKERS ? Thread.ofPlatform() : Thread.ofVirtual();
                Thread t = builder.unstarted(() -> work(self[0], target, main));
                self[0] = new Worker(t);
                workers.add(self[0]);
            }
            workers.forEach(w -> w.thread.start());
            Thread interrupter = Thread.ofPlatform().daemon().start(() -> interrupt(workers));
            for (Worker w : workers) {
                w.thread.join();
            }
            done = true;
            interrupter.join();
            count("threadsEnded", workers.size());
        }
    }

    /** Interrupts a thread blocked in each call, 50 ms in: the call returns when it would have, then raises. */
    private void blockingReturnsFirst(Interpreter main) throws InterruptedException {
        main.run(ts -> ts.exec("import time, threading, queue\n_l = threading.Lock()\n_l.acquire()\n"
                + "_q = queue.Queue()\n"));
        for (String call : BLOCKING) {
            long[] took = new long[1];
            boolean[] interrupted = new boolean[1];
            Thread t = Thread.ofPlatform().start(() -> {
                long begin = System.nanoTime();
                try {
                    main.run(ts -> ts.exec(call + "\nfor _ in range(100000): pass\n_done = True\n"));
                } catch (PythonException e) {
                    interrupted[0] = e.isInterrupted();
                }
                took[0] = (System.nanoTime() - begin) / 1_000_000;
            });
            Thread.sleep(50);
            t.interrupt();
            t.join();
            System.out.println("blocking " + call + ": interrupted=" + interrupted[0] + " after " + took[0] + " ms");
            count(interrupted[0] && took[0] >= 290 ? "blockingReturnedFirst" : "blockingOther");
        }
    }

    private void work(Worker w, Interpreter target, Interpreter main) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (long k = 1; k <= CALLS_PER_WORKER; k++) {
            Mode mode = Mode.values()[random.nextInt(Mode.values().length)];
            Interpreter interpreter = random.nextBoolean() ? target : main;
            synchronized (w) {
                w.current = k;
                w.endless = mode == Mode.ENDLESS;
                w.sentAt = 0;
            }
            String result = call(interpreter, mode, w, k);
            boolean interruptedAtEnd;
            synchronized (w) {
                w.current = -k;
                interruptedAtEnd = Thread.interrupted();
            }
            count(result);
            count("calls");
            if (result.equals("completed") && interruptedAtEnd) {
                count("arrivedAfterReturn");
            }
        }
    }

    /** One call; returns how it ended (a counter name). */
    private String call(Interpreter interpreter, Mode mode, Worker w, long k) {
        try {
            switch (mode) {
                case ENDLESS -> interpreter.run(ts -> ts.exec("while True:\n    pass\n"));
                case SHORT -> interpreter.call(ts -> ts.eval("sum(range(3000))"));
                case TIMED_ENDLESS -> interpreter.run(Duration.ofMillis(5 + ThreadLocalRandom.current().nextInt(30)),
                        ts -> ts.exec("import time\nwhile True:\n    time.sleep(0.001)\n"));
                case TIMED_SHORT -> interpreter.call(Duration.ofSeconds(5), ts -> ts.eval("sum(range(3000))"));
                case NESTED -> interpreter.run(ts -> nested(interpreter, ts));
            }
            return mode == Mode.ENDLESS ? "endlessReturned" : mode == Mode.TIMED_ENDLESS ? "timeoutMissed"
                    : "completed";
        } catch (PythonException e) {
            if (!e.isInterrupted()) {
                System.out.println("unexpected: " + e + "\n" + e.pythonTraceback());
                return "unexpected";
            }
            if (!w.sent.contains(k)) {
                System.out.println("WRONG CALL: " + mode + " call " + k + " of " + w.thread + " was never interrupted");
                return "wrongCall";
            }
            return Thread.currentThread().isInterrupted() ? "interrupted" : "interruptStatusLost";
        } catch (ThreadStateException e) {
            if (e.code() == ErrorCode.CALL_TIMED_OUT && e.getCause() instanceof PythonException p
                    && p.isInterrupted() && (mode == Mode.TIMED_ENDLESS || mode == Mode.TIMED_SHORT)) {
                return mode == Mode.TIMED_ENDLESS ? "timedOut" : "timedOutShort";
            }
            System.out.println("unexpected: " + e);
            return "unexpected";
        }
    }

    /** In one attachment: a short timed call that times out, then more work that its timeout must not hit. */
    private static void nested(Interpreter interpreter, ThreadState ts) {
        ts.eval("sum(range(1000))");
        try {
            interpreter.run(Duration.ofMillis(2), inner -> inner.exec("while True:\n    pass\n"));
            throw new AssertionError("an endless timed call returned");
        } catch (ThreadStateException e) {
            if (e.code() != ErrorCode.CALL_TIMED_OUT) {
                throw e;
            }
        }
        ts.exec("for i in range(20000):\n    pass\n");
    }

    /** Sends interrupts, each while its worker is inside a call; endless calls always get one. */
    private void interrupt(List<Worker> workers) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (!done) {
            for (Worker w : workers) {
                synchronized (w) {
                    if (w.current <= 0) {
                        continue;
                    }
                    long now = System.nanoTime();
                    if (w.sentAt != 0 && now - w.sentAt > LOST_AFTER_MILLIS * 1_000_000L) {
                        count("lost");
                        System.out.println("LOST: call " + w.current + " of " + w.thread + " still runs");
                        w.sentAt = now;
                        w.thread.interrupt(); // unstick it, counted
                    } else if (w.sentAt == 0 && (w.endless || random.nextInt(4) == 0)) {
                        w.sent.add(w.current);
                        w.sentAt = now;
                        w.thread.interrupt();
                        count("sent");
                    }
                }
            }
            try {
                Thread.sleep(1 + random.nextInt(8));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** Every call accounted for; no interrupt lost or delivered to the wrong call; blocking calls return first. */
    public static void suite(PythonInstall python) {
        long begin = System.nanoTime();
        Outcome o = ScenarioRunner.run(python, InterruptStorm.class, Duration.ofSeconds(180));
        long seconds = (System.nanoTime() - begin) / 1_000_000_000;
        Verdicts.clean(o);
        long calls = (long) (PLATFORM_WORKERS + VIRTUAL_WORKERS) * CALLS_PER_WORKER;
        long accounted = o.count("completed") + o.count("interrupted") + o.count("timedOut")
                + o.count("timedOutShort");
        Verdicts.require(o.count("calls") == calls && accounted == calls, "calls " + o.count("calls")
                + ", accounted " + accounted + " of " + calls, o);
        for (String zero : List.of("wrongCall", "lost", "unexpected", "endlessReturned", "timeoutMissed",
                "interruptStatusLost", "blockingOther")) {
            Verdicts.require(o.count(zero) == 0, zero + " must be 0", o);
        }
        Verdicts.require(o.count("blockingReturnedFirst") == BLOCKING.size(), "blocking calls", o);
        Verdicts.require(o.count("interrupted") > 0 && o.count("timedOut") > 0, "nothing interrupted", o);
        Verdicts.report(String.format("interrupt-storm CPython %-6s %d calls in %d s: %s", python, calls, seconds,
                new java.util.TreeMap<>(o.counters())));
    }
}
