package dev.tether.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The gate's states and holds, without CPython: what the finalization storms rely on, case by case. */
class GateTest {
    private final InterpreterImpl interpreter = Interpreters.sub(7, 12);
    private final Gate gate = interpreter.gate();
    private final Binding binding = new Binding(interpreter, Thread.currentThread(), 1);

    @Test
    void holdsAreAdmittedOnlyWhileOpen() {
        gate.register(binding);
        assertTrue(gate.tryHoldThread(binding));
        assertFalse(gate.isDrained());
        gate.releaseThread(binding);
        assertTrue(gate.isDrained());
        assertTrue(gate.beginClosing());
        assertFalse(gate.beginClosing(), "closing twice");
        assertFalse(gate.tryHoldThread(binding));
        assertEquals(0, binding.depth, "a refused hold leaves nothing published");
        assertFalse(gate.tryHoldShared());
        assertEquals(0, gate.openGuards());
    }

    @Test
    void internalHoldsAreAdmittedWhileClosingButNotWhileEnding() {
        gate.beginClosing();
        assertTrue(gate.tryHoldInternal());
        gate.releaseShared();
        gate.beginEnding();
        assertFalse(gate.tryHoldInternal());
        assertTrue(gate.isClosing());
        gate.markClosed();
        assertTrue(gate.isClosed());
        assertFalse(gate.isClosing());
    }

    @Test
    void awaitDrainedGivesUpAtItsDeadlineAndWakesOnRelease() throws Exception {
        assertTrue(gate.tryHoldShared());
        gate.beginClosing();
        long begin = System.nanoTime();
        assertFalse(gate.awaitDrained(begin + 30_000_000L));
        assertTrue(System.nanoTime() - begin >= 30_000_000L);
        Thread releaser = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            gate.releaseShared();
        });
        assertTrue(gate.awaitDrained(Long.MAX_VALUE));
        releaser.join();
    }

    @Test
    void onlyOneUnregisterRemovesABinding() {
        gate.register(binding);
        assertTrue(gate.unregister(binding));
        assertFalse(gate.unregister(binding), "a second pruner must not take the binding's thread state too");
    }
}
