package dev.tether.internal.protocol;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A typed key for one object that an upper layer keeps per interpreter (the public handle, the bridge's Python
 * helpers): {@link InterpreterImpl#get(Slot)}. The protocol stores these objects and never looks inside them, so it
 * needs no knowledge of the layers above it, and they need no casts.
 *
 * <p>Slots are created once, as {@code static final} constants of the layer that owns them; each takes one of the
 * {@value #CAPACITY} places of every interpreter.
 *
 * @param <T> the type of the object kept
 */
public final class Slot<T> {
    /** Places per interpreter: the slots that exist are a handful of constants, so a small array serves them. */
    static final int CAPACITY = 16;
    private static final AtomicInteger CREATED = new AtomicInteger();

    final int index;
    final Class<T> type;
    private final String name;

    private Slot(Class<T> type, String name) {
        this.type = Objects.requireNonNull(type, "type");
        this.name = Objects.requireNonNull(name, "name");
        this.index = CREATED.getAndIncrement();
        if (index >= CAPACITY) {
            throw new IllegalStateException("more than " + CAPACITY + " interpreter slots: raise Slot.CAPACITY");
        }
    }

    /** A new slot for objects of {@code type}; {@code name} is for diagnostics. */
    public static <T> Slot<T> of(Class<T> type, String name) {
        return new Slot<>(type, name);
    }

    @Override
    public String toString() {
        return "Slot[" + name + "]";
    }
}
