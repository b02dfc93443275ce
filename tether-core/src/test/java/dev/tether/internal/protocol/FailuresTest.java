package dev.tether.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.ErrorCode;
import dev.tether.ThreadStateException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Messages name the interpreter, the threads and what to do instead, and carry the right code. */
class FailuresTest {
    private final InterpreterImpl sub = Interpreters.sub(4, 12);

    @Test
    void refusalsNameTheInterpreterAndCarryTheirCodes() {
        Refusal closing = Failures.closing(sub);
        assertEquals(ErrorCode.INTERPRETER_FINALIZING, closing.code());
        assertTrue(closing.message().startsWith("Subinterpreter 4 is closing"), closing.message());
        assertEquals(ErrorCode.INTERPRETER_CLOSED, Failures.closed(sub).exception().code());
        assertEquals(ErrorCode.INTERPRETER_FINALIZING, Failures.notOpen(sub).code());
        String virtual = Failures.virtualThread(sub).message();
        assertTrue(virtual.contains("interpreter.call(ts -> ...)"), virtual);
    }

    @Test
    void aTimedOutCloseNamesWhatStillRuns() {
        ThreadStateException e = Failures.closeTimedOut(sub, List.of("'worker-1'"), 2, List.of("'poller' (daemon)"));
        assertEquals(ErrorCode.CLOSE_TIMED_OUT, e.code());
        assertTrue(e.getMessage().contains("Java threads still attached: 'worker-1'.")
                && e.getMessage().contains("Open guards: 2.")
                && e.getMessage().contains("Python threads still running: 'poller' (daemon)."), e.getMessage());
    }

    @Test
    void startFailuresAreCoded() {
        ThreadStateException none = Failures.noPythonFound(List.of("PythonRuntime.Builder: not set", "x: not set"));
        assertEquals(ErrorCode.NO_PYTHON_FOUND, none.code());
        assertTrue(none.getMessage().contains("\n  PythonRuntime.Builder: not set\n  x: not set"), none.getMessage());
        assertEquals(ErrorCode.RUNTIME_ALREADY_STARTED, Failures.runtimeStartedBefore().code());
        assertEquals(ErrorCode.PYTHON_UNUSABLE, Failures.initializationFailed("boom").code());
        assertEquals(ErrorCode.RUNTIME_NOT_STARTED, Failures.runtimeNotStarted().code());
    }

    @Test
    void conversionFailuresAreCoded() {
        assertEquals(ErrorCode.CONVERSION_FAILED, Failures.noPythonConversion(Thread.class).code());
        assertTrue(Failures.noPythonConversion(Thread.class).getMessage().contains("java.lang.Thread"));
        assertTrue(Failures.cyclicArray(Object[].class).getMessage().contains("Object[] that contains itself"));
    }

    @Test
    void threadsAreNamedTheSameWayEverywhere() {
        Thread t = Thread.ofPlatform().name("w-1").unstarted(() -> {});
        assertEquals("'w-1'", Failures.name(t));
        assertEquals("'v' (virtual)", Failures.name(Thread.ofVirtual().name("v").unstarted(() -> {})));
    }
}
