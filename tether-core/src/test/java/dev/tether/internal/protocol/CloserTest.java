package dev.tether.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Deadline and grace arithmetic of a close with a timeout. */
class CloserTest {
    @Test
    void deadlines() {
        assertEquals(Long.MAX_VALUE, Closer.deadline(null), "no timeout: no deadline");
        long now = System.nanoTime();
        assertTrue(Closer.deadline(Duration.ofSeconds(-5)) - now < 1_000_000_000L, "a negative timeout is now");
        assertEquals(Long.MAX_VALUE - 1, Closer.deadline(Duration.ofDays(365L * 1_000_000)),
                "a huge timeout saturates below 'none'");
        long oneSecond = Closer.deadline(Duration.ofSeconds(1)) - System.nanoTime();
        assertTrue(oneSecond > 900_000_000L && oneSecond <= 1_000_000_000L, "one second: " + oneSecond);
    }

    @Test
    void graceStaysWithinItsBounds() {
        assertEquals(Closer.MAX_GRACE, Closer.grace(null));
        assertEquals(Closer.MIN_GRACE, Closer.grace(Duration.ZERO));
        assertEquals(Duration.ofMillis(1500), Closer.grace(Duration.ofMillis(1500)));
        assertEquals(Closer.MAX_GRACE, Closer.grace(Duration.ofHours(1)));
    }
}
