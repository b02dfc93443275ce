package dev.tether.examples;

import dev.tether.Ensured;
import dev.tether.ErrorCode;
import dev.tether.Interpreter;
import dev.tether.InterpreterGuard;
import dev.tether.PythonException;
import dev.tether.PythonRuntime;
import dev.tether.ThreadState;
import dev.tether.ThreadStateException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The shutdown storm: many Java threads, platform and virtual, call Python on the main interpreter and on two
 * subinterpreters while those are closed under them, one after the other, and finally the whole runtime. With
 * {@code PyGILState_Ensure} this is the recipe for a JVM crash or a hung thread; with Tether every call either
 * completes or is refused with a typed error.
 *
 * <p>Prints, per interpreter, the calls completed and the calls refused with each {@link ErrorCode}, then checks that
 * every thread ended; exits 0 if nothing was lost.
 */
public final class ShutdownStorm {
    private static final int PLATFORM_THREADS = 6;
    private static final int VIRTUAL_THREADS = 6;

    /** Outcomes of the calls made to one interpreter. */
    private record Tally(LongAdder completed, Map<ErrorCode, LongAdder> refused, LongAdder failed) {
        Tally() {
            this(new LongAdder(), new EnumMap<>(ErrorCode.class), new LongAdder());
            for (ErrorCode code : ErrorCode.values()) {
                refused.put(code, new LongAdder());
            }
        }
    }

    private ShutdownStorm() {}

    public static void main(String[] args) throws Exception {
        PythonRuntime python = PythonRuntime.start();
        System.out.println("CPython " + python.version() + " from " + python.location());
        Interpreter main = python.mainInterpreter();
        Interpreter first = python.newInterpreter();
        Interpreter second = python.newInterpreter();
        Map<Interpreter, Tally> tallies = new LinkedHashMap<>();
        Map<String, Long> closeMillis = new LinkedHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (Interpreter interpreter : List.of(main, first, second)) {
            Tally tally = new Tally();
            tallies.put(interpreter, tally);
            for (int i = 0; i < PLATFORM_THREADS; i++) {
                threads.add(Thread.ofPlatform().name("platform-" + interpreter.id() + "-" + i)
                        .start(() -> attachLoop(interpreter, tally, stop)));
            }
            for (int i = 0; i < VIRTUAL_THREADS; i++) {
                threads.add(Thread.ofVirtual().name("virtual-" + interpreter.id() + "-" + i)
                        .start(() -> callLoop(interpreter, tally, stop)));
            }
        }
        System.out.printf("%d threads calling Python (%d platform, %d virtual per interpreter)%n", threads.size(),
                PLATFORM_THREADS, VIRTUAL_THREADS);

        Thread.sleep(800);
        closeMillis.put("subinterpreter " + first.id(), timed(() -> first.close(Duration.ofSeconds(5))));
        Thread.sleep(400);
        closeMillis.put("subinterpreter " + second.id(), timed(() -> second.close(Duration.ofSeconds(5))));
        Thread.sleep(400);
        closeMillis.put("main interpreter (runtime)", timed(() -> python.close(Duration.ofSeconds(5))));
        Thread.sleep(200);
        stop.set(true);

        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int hung = 0;
        for (Thread t : threads) {
            t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            if (t.isAlive()) {
                hung++;
            }
        }
        boolean ok = report(tallies, closeMillis, threads.size(), hung);
        System.exit(ok ? 0 : 1);
    }

    /** Platform threads: ensure, run, release; sometimes through a guard. */
    private static void attachLoop(Interpreter interpreter, Tally tally, AtomicBoolean stop) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (!stop.get()) {
            try {
                if (random.nextInt(4) == 0) {
                    Optional<InterpreterGuard> guard = interpreter.tryGuard();
                    if (guard.isEmpty()) {
                        refused(tally, interpreter);
                        continue;
                    }
                    try (InterpreterGuard g = guard.get(); ThreadState ts = ThreadState.ensure(g)) {
                        work(ts);
                    }
                    tally.completed().increment();
                    continue;
                }
                switch (ThreadState.tryEnsure(interpreter)) {
                    case Ensured.Attached(ThreadState ts) -> {
                        try (ts) {
                            work(ts);
                        }
                        tally.completed().increment();
                    }
                    case Ensured.Refused(ErrorCode code, String message) -> count(tally, code);
                }
            } catch (ThreadStateException e) {
                count(tally, e.code());
            } catch (PythonException e) {
                tally.failed().increment();
            }
        }
    }

    /** Virtual threads cannot own a thread state: they call, and Tether runs the work on a platform carrier. */
    private static void callLoop(Interpreter interpreter, Tally tally, AtomicBoolean stop) {
        while (!stop.get()) {
            try {
                interpreter.run(ShutdownStorm::work);
                tally.completed().increment();
            } catch (ThreadStateException e) {
                count(tally, e.code());
            } catch (PythonException e) {
                tally.failed().increment();
            }
        }
    }

    private static void work(ThreadState ts) {
        ts.exec("total = sum(i * i for i in range(100))");
        if (!Long.valueOf(328350).equals(ts.eval("total"))) {
            throw new IllegalStateException("wrong result");
        }
    }

    private static void refused(Tally tally, Interpreter interpreter) {
        count(tally, interpreter.state() == Interpreter.State.CLOSED ? ErrorCode.INTERPRETER_CLOSED
                : ErrorCode.INTERPRETER_FINALIZING);
    }

    /** Counts a refusal and backs off a little, as a real client would, instead of spinning on a closed door. */
    private static void count(Tally tally, ErrorCode code) {
        tally.refused().get(code).increment();
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long timed(Runnable action) {
        long begin = System.nanoTime();
        action.run();
        return (System.nanoTime() - begin) / 1_000_000;
    }

    private static boolean report(Map<Interpreter, Tally> tallies, Map<String, Long> closeMillis, int threads,
                                  int hung) {
        System.out.println();
        System.out.printf("%-20s %10s %12s %10s %8s%n", "interpreter", "completed", "FINALIZING", "CLOSED", "other");
        long other = 0;
        for (Map.Entry<Interpreter, Tally> e : tallies.entrySet()) {
            Tally t = e.getValue();
            long others = t.failed().sum();
            for (Map.Entry<ErrorCode, LongAdder> r : t.refused().entrySet()) {
                if (r.getKey() != ErrorCode.INTERPRETER_FINALIZING && r.getKey() != ErrorCode.INTERPRETER_CLOSED) {
                    others += r.getValue().sum();
                }
            }
            other += others;
            Interpreter i = e.getKey();
            System.out.printf("%-20s %10d %12d %10d %8d%n", i.isMain() ? "main" : "subinterpreter " + i.id(),
                    t.completed().sum(), t.refused().get(ErrorCode.INTERPRETER_FINALIZING).sum(),
                    t.refused().get(ErrorCode.INTERPRETER_CLOSED).sum(), others);
        }
        System.out.println();
        closeMillis.forEach((what, ms) -> System.out.printf("closed %-28s in %4d ms%n", what, ms));
        System.out.println();
        System.out.println("JVM crashes: 0 (this line is printed)");
        System.out.printf("hung threads: %d of %d%n", hung, threads);
        System.out.printf("calls neither completed nor refused as finalizing/closed: %d%n", other);
        boolean ok = hung == 0 && other == 0;
        System.out.println(ok ? "OK: every call completed or was refused cleanly" : "FAILED");
        return ok;
    }
}
