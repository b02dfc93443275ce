package dev.tether.internal.bridge;

import dev.tether.ErrorCode;
import dev.tether.internal.protocol.Attachment;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.InterpreterImpl;
import dev.tether.internal.protocol.Refusal;
import dev.tether.internal.protocol.ThreadStates;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Runs bridge operations with the right thread state attached. A thread already attached to the object's
 * interpreter runs the operation at once; a thread attached to another interpreter is refused
 * ({@link ErrorCode#WRONG_INTERPRETER}); a thread attached to none attaches for the duration of the operation
 * (through a platform carrier if it is virtual).
 */
public final class Bridge {
    /** The public layer, installed when the runtime starts, before any bridge operation can run. */
    private static volatile Publisher publisher;

    private Bridge() {}

    /** An operation on an object's address, run attached. */
    @FunctionalInterface
    public interface Op<T> {
        T apply(MemorySegment object);
    }

    /** Installs the public layer's {@link Publisher}; the runtime does it once, as it starts. */
    public static void install(Publisher publisher) {
        Bridge.publisher = Objects.requireNonNull(publisher, "publisher");
    }

    /**
     * The host access policy of the runtime's interpreters (null for none: no Java object crosses as a proxy); the
     * runtime sets it once, as it starts, before any interpreter exists.
     */
    public static void hostPolicy(HostPolicy policy) {
        ObjectSpace.runtimePolicy(policy);
    }

    static Publisher publisher() {
        Publisher p = publisher;
        if (p == null) {
            throw new IllegalStateException("the object bridge is used before a Python runtime was started");
        }
        return p;
    }

    /** Runs {@code op} on the object of {@code ref}, attached to its interpreter, holding the reference. */
    public static <T> T with(Ref ref, Op<T> op) {
        if (!ref.acquire()) {
            throw Failures.closedObject(ref.interpreter);
        }
        try {
            return attached(ref.interpreter, () -> op.apply(ref.address));
        } finally {
            ref.release();
        }
    }

    /** Runs {@code body} attached to {@code interpreter} (see the class comment). */
    public static <T> T attached(InterpreterImpl interpreter, Supplier<T> body) {
        InterpreterImpl current = ThreadStates.attachedInterpreter();
        if (current == interpreter) {
            if (interpreter.hasDeferredReleases()) {
                interpreter.drainDeferredReleases();
            }
            ThreadStates.yieldIfOthersWait(interpreter);
            return body.get();
        }
        if (current != null) {
            throw Failures.wrongInterpreter(interpreter, current);
        }
        if (Thread.currentThread().isVirtual()) {
            return interpreter.lifecycle().onCarrier(interpreter, () -> attached(interpreter, body));
        }
        return switch (ThreadStates.ensure(interpreter, null)) {
            case Refusal refusal -> throw refusal.exception();
            case Attachment attachment -> {
                try {
                    yield body.get();
                } finally {
                    ThreadStates.release(attachment);
                }
            }
        };
    }

    /** A reference owning {@code object}, a new reference a C-API call returned; its pending error if NULL. */
    static Ref own(InterpreterImpl interpreter, MemorySegment object) {
        if (object.equals(MemorySegment.NULL)) {
            throw Errors.fetch(interpreter);
        }
        return new Ref(interpreter, object);
    }
}
