package dev.tether.scenarios;

import dev.tether.ErrorCode;
import dev.tether.Interpreter;
import dev.tether.PythonRuntime;
import dev.tether.ThreadState;
import dev.tether.ThreadStateException;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Nested and switching attachments across the main interpreter and two subinterpreters: at every level the right
 * interpreter is attached (each has its own {@code who}), every release out of order is refused and changes
 * nothing, and releasing in order restores each level in turn.
 */
public final class NestedSwitching extends Scenario {
    @Override
    protected void run(String[] args) throws Exception {
        PythonRuntime python = PythonRuntime.start();
        Interpreter main = python.mainInterpreter();
        Interpreter a = python.newInterpreter();
        Interpreter b = python.newInterpreter();
        for (Interpreter i : List.of(main, a, b)) {
            i.run(ts -> ts.exec("who = " + (i.isMain() ? "'main'" : "'sub" + i.id() + "'")));
        }
        // main -> a -> b -> main (switch back) -> main (nested) -> a (switch back) -> b (switch back)
        List<Interpreter> path = List.of(main, a, b, main, main, a, b, a);
        Deque<ThreadState> stack = new ArrayDeque<>();
        for (Interpreter next : path) {
            stack.push(ThreadState.ensure(next));
            verifyTop(stack);
            verifyOutOfOrder(stack);
        }
        while (!stack.isEmpty()) {
            stack.pop().close();
            if (!stack.isEmpty()) {
                verifyTop(stack);
                verifyOutOfOrder(stack);
            }
        }
        check(!ThreadState.isAttached(), "still attached after releasing every level");
        check(ThreadState.current().isEmpty(), "current() after releasing every level");
        count("levels", path.size());
        python.close();
    }

    private void verifyTop(Deque<ThreadState> stack) {
        ThreadState top = stack.peek();
        Interpreter expected = top.interpreter();
        String who = (String) top.eval("who");
        check(who.equals(expected.isMain() ? "main" : "sub" + expected.id()),
                "level " + stack.size() + " runs in '" + who + "', expected " + expected);
        check(ThreadState.isAttached(expected), "isAttached(" + expected + ") is false at level " + stack.size());
        check(ThreadState.current().orElseThrow() == top, "current() is not the innermost thread state");
        count("verified");
    }

    private void verifyOutOfOrder(Deque<ThreadState> stack) {
        boolean first = true;
        for (ThreadState lower : stack) {
            if (first) {
                first = false;
                continue;
            }
            try {
                lower.close();
                throw new AssertionError("released a lower level out of order");
            } catch (ThreadStateException e) {
                check(e.code() == ErrorCode.RELEASE_OUT_OF_ORDER, "out-of-order release refused with " + e.code());
            }
            if (lower.interpreter() != stack.peek().interpreter()) {
                try {
                    lower.eval("who");
                    throw new AssertionError("used a thread state that is not current");
                } catch (ThreadStateException e) {
                    check(e.code() == ErrorCode.NOT_CURRENT, "stale use refused with " + e.code());
                }
            }
            count("refusedOutOfOrder");
        }
        verifyTopQuietly(stack);
    }

    private void verifyTopQuietly(Deque<ThreadState> stack) {
        ThreadState top = stack.peek();
        check(ThreadState.isAttached(top.interpreter()), "a refused release changed the attachment");
    }

    // ---- the suite: how this scenario is run and judged --------------------------------------------------------

    /** Nesting levels the scenario goes down (and up) through: the length of {@code path} in {@link #run}. */
    static final int LEVELS = 8;
    /** Checks of the attached interpreter, one per level on the way down and on the way back up but the last. */
    static final int VERIFIED = 15;
    /** Out-of-order releases tried: every open level below the top, at every depth. */
    static final int REFUSED_OUT_OF_ORDER = 49;

    /** Runs and judges the scenario on {@code python}. */
    public static void suite(PythonInstall python) {
        Outcome o = ScenarioRunner.run(python, NestedSwitching.class, Duration.ofMinutes(1));
        Verdicts.clean(o);
        Verdicts.require(o.count("levels") == LEVELS && o.count("verified") == VERIFIED, "levels not all verified", o);
        Verdicts.require(o.count("refusedOutOfOrder") == REFUSED_OUT_OF_ORDER, "out-of-order releases not all tried", o);
    }
}
