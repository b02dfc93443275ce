package dev.tether.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;

/** A kicker that cannot start gives its internal guard back, or a close with a deadline would wait forever. */
class GilKickerTest {
    @Test
    void aKickerThatCannotStartReleasesItsGuard() {
        InterpreterImpl interpreter = Interpreters.sub(3, 10);
        ThreadFactory exhausted = r -> new Thread(r) {
            @Override
            public synchronized void start() {
                throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
            }
        };
        GilKicker.kick(interpreter, exhausted);
        assertEquals(0, interpreter.gate().openGuards(), "the kicker's guard is still held");
        GilKicker.kick(interpreter, exhausted);
        assertEquals(0, interpreter.gate().openGuards(), "a second kick was blocked by the first");
    }
}
