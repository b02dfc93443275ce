package dev.tether.scenarios;

import dev.tether.Ensured;
import dev.tether.ErrorCode;
import dev.tether.Interpreter;
import dev.tether.InterpreterGuard;
import dev.tether.PythonRuntime;
import dev.tether.ThreadState;
import dev.tether.ThreadStateException;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Every misuse gets a typed exception, changes nothing, and the runtime keeps working afterwards: release twice, on
 * another thread, out of order; use a thread state that is not current; ensure on a virtual thread; close while
 * attached; close a guard twice; null arguments; start twice; and after the runtime closed: ensure, create, start.
 */
public final class Misuse extends Scenario {
    private Interpreter main;

    @Override
    protected void run(String[] args) throws Exception {
        PythonRuntime python = PythonRuntime.start();
        main = python.mainInterpreter();
        Interpreter sub = python.newInterpreter();

        ThreadState once = ThreadState.ensure(main);
        once.close();
        expect(ErrorCode.ALREADY_RELEASED, once::close);
        expect(ErrorCode.ALREADY_RELEASED, () -> once.exec("pass"));
        stillWorks();

        ThreadState owned = ThreadState.ensure(main);
        owned.exec("owner = 'me'");
        AtomicReference<Throwable> fromOther = new AtomicReference<>();
        Thread other = Thread.ofPlatform().start(() -> {
            try {
                owned.close();
            } catch (Throwable t) {
                fromOther.set(t);
            }
        });
        other.join();
        expectCode(ErrorCode.WRONG_THREAD, fromOther.get());
        check("me".equals(owned.eval("owner")), "the owner lost its thread state after a foreign release");
        owned.close();
        stillWorks();

        ThreadState outer = ThreadState.ensure(main);
        ThreadState inner = ThreadState.ensure(sub);
        expect(ErrorCode.RELEASE_OUT_OF_ORDER, outer::close);
        expect(ErrorCode.NOT_CURRENT, () -> outer.exec("pass"));
        check(ThreadState.isAttached(sub), "a refused release changed the attachment");
        inner.close();
        check(ThreadState.isAttached(main), "releasing the inner one did not restore the outer");
        outer.close();
        check(!ThreadState.isAttached(), "still attached after releasing everything");
        stillWorks();

        AtomicReference<Throwable> fromVirtual = new AtomicReference<>();
        Thread.ofVirtual().start(() -> {
            try {
                ThreadState.ensure(main).close();
            } catch (Throwable t) {
                fromVirtual.set(t);
            }
        }).join();
        expectCode(ErrorCode.VIRTUAL_THREAD, fromVirtual.get());
        check(fromVirtual.get().getMessage().contains("interpreter.call"), "the message does not point to call");
        AtomicReference<Object> virtualResult = new AtomicReference<>();
        Thread.ofVirtual().start(() -> virtualResult.set(main.call(ts -> ts.eval("40 + 2")))).join();
        check(Long.valueOf(42).equals(virtualResult.get()), "call from a virtual thread returned "
                + virtualResult.get());
        switch (callTryEnsureOnVirtual()) {
            case Ensured.Refused(ErrorCode code, String message) ->
                    check(code == ErrorCode.VIRTUAL_THREAD, "tryEnsure on a virtual thread: " + code);
            case Ensured.Attached a -> throw new AssertionError("tryEnsure attached a virtual thread");
        }
        count("checks");

        try (ThreadState ts = ThreadState.ensure(sub)) {
            expect(ErrorCode.CLOSE_WHILE_ATTACHED, sub::close);
            expect(ErrorCode.CLOSE_WHILE_ATTACHED, () -> python.close(Duration.ofSeconds(1)));
            check(sub.state() == Interpreter.State.RUNNING, "a refused close changed the state");
            ts.exec("still = True");
        }
        stillWorks();

        InterpreterGuard guard = main.guard();
        guard.close();
        expect(ErrorCode.ALREADY_RELEASED, guard::close);
        expect(ErrorCode.ALREADY_RELEASED, () -> ThreadState.ensure(guard));

        expectNull(() -> ThreadState.ensure((Interpreter) null));
        expectNull(() -> ThreadState.ensure((InterpreterGuard) null));
        expectNull(() -> ThreadState.tryEnsure(null));
        expectNull(() -> main.call(null));
        expectNull(() -> main.run(null));
        expectNull(() -> main.close(null));
        expectNull(() -> PythonRuntime.builder().library(null));
        try (ThreadState ts = ThreadState.ensure(main)) {
            expectNull(() -> ts.exec(null));
            expectNull(() -> ts.eval(null));
        }

        try {
            PythonRuntime.start();
            throw new AssertionError("a second start() succeeded");
        } catch (IllegalStateException e) {
            check(e.getMessage().contains("already running"), "second start: " + e.getMessage());
            count("checks");
        }
        stillWorks();

        sub.close();
        sub.close(); // idempotent
        expect(ErrorCode.INTERPRETER_CLOSED, () -> ThreadState.ensure(sub));
        python.close();
        python.close(); // idempotent
        expect(ErrorCode.INTERPRETER_CLOSED, () -> ThreadState.ensure(main));
        expect(ErrorCode.INTERPRETER_CLOSED, main::guard);
        expect(ErrorCode.INTERPRETER_CLOSED, () -> main.call(ts -> ts.eval("1")));
        expect(ErrorCode.INTERPRETER_CLOSED, python::newInterpreter);
        check(!ThreadState.isAttached(), "attached after close");
        try {
            PythonRuntime.start();
            throw new AssertionError("start() after close succeeded");
        } catch (IllegalStateException e) {
            check(e.getMessage().contains("cannot be initialized again"), "restart: " + e.getMessage());
            count("checks");
        }
    }

    private Ensured callTryEnsureOnVirtual() throws InterruptedException {
        AtomicReference<Ensured> result = new AtomicReference<>();
        Thread.ofVirtual().start(() -> result.set(ThreadState.tryEnsure(main))).join();
        return result.get();
    }

    private void stillWorks() {
        check(Long.valueOf(4).equals(main.call(ts -> ts.eval("2 + 2"))), "the runtime stopped working");
        count("stillWorks");
    }

    private void expect(ErrorCode code, Runnable action) {
        try {
            action.run();
        } catch (Throwable t) {
            expectCode(code, t);
            return;
        }
        throw new AssertionError("expected " + code + ", but nothing was thrown");
    }

    private void expectCode(ErrorCode code, Throwable t) {
        if (!(t instanceof ThreadStateException e) || e.code() != code) {
            throw new AssertionError("expected " + code + " but got " + t, t);
        }
        check(e.getMessage() != null && !e.getMessage().isBlank(), "no message for " + code);
        System.out.println("ok " + code + ": " + e.getMessage());
        count("checks");
    }

    private void expectNull(Runnable action) {
        try {
            action.run();
        } catch (NullPointerException e) {
            count("checks");
            return;
        }
        throw new AssertionError("expected a NullPointerException");
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** Misuses tried: one {@code count("checks")} per {@code expect}/{@code expectCode} above. */
    static final int CHECKS = 27;
    /** Times {@link #stillWorks()} proved the runtime usable after a group of misuses. */
    static final int STILL_WORKS = 5;

    /** Runs and judges the scenario on {@code python}. */
    public static void suite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, Misuse.class, Duration.ofMinutes(1));
        Verdicts.clean(o);
        Verdicts.require(o.count("checks") == CHECKS, "expected " + CHECKS + " checks", o);
        Verdicts.require(o.count("stillWorks") == STILL_WORKS, "the runtime was not checked after every misuse", o);
    }
}
