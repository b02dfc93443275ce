package dev.tether.internal.bridge;

import dev.tether.ErrorCode;
import dev.tether.ThreadStateException;
import dev.tether.internal.protocol.Attachment;
import dev.tether.internal.protocol.Failures;
import dev.tether.internal.protocol.InterpreterImpl;
import dev.tether.internal.protocol.ThreadStates;
import dev.tether.internal.runtime.RuntimeImpl;
import java.lang.foreign.MemorySegment;
import java.util.function.Supplier;

/**
 * Runs bridge operations with the right thread state attached. A thread already attached to the object's
 * interpreter runs the operation at once; a thread attached to another interpreter is refused
 * ({@link ErrorCode#WRONG_INTERPRETER}); a thread attached to none attaches for the duration of the operation
 * (through a platform carrier if it is virtual).
 */
public final class Bridge {
    private Bridge() {}

    /** An operation on an object's address, run attached. */
    @FunctionalInterface
    public interface Op<T> {
        T apply(MemorySegment object);
    }

    /** Runs {@code op} on the object of {@code ref}, attached to its interpreter, holding the reference. */
    public static <T> T with(Ref ref, Op<T> op) {
        if (!ref.acquire()) {
            throw closedObject(ref);
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
            throw wrongInterpreter(interpreter, current);
        }
        if (Thread.currentThread().isVirtual()) {
            return ((RuntimeImpl) interpreter.lifecycle()).onCarrier(interpreter, () -> attached(interpreter, body));
        }
        Object outcome = ThreadStates.ensure(interpreter, null);
        if (outcome instanceof Failures.Refusal refusal) {
            throw refusal.exception();
        }
        Attachment attachment = (Attachment) outcome;
        try {
            return body.get();
        } finally {
            ThreadStates.release(attachment);
        }
    }

    /** The public object for a new reference {@code object} (ownership passes to it). */
    static Object wrap(InterpreterImpl interpreter, MemorySegment object) {
        return Api.views().object(new Ref(interpreter, object));
    }

    static ThreadStateException closedObject(Ref ref) {
        return new ThreadStateException(ErrorCode.ALREADY_RELEASED,
                "This Python object of " + ref.interpreter.describe() + " was closed");
    }

    static ThreadStateException wrongInterpreter(InterpreterImpl owner, InterpreterImpl current) {
        return new ThreadStateException(ErrorCode.WRONG_INTERPRETER, "A Python object of " + owner.describe()
                + " was used while the thread is attached to " + current.describe()
                + ": objects belong to the interpreter that created them; convert to Java values to move data"
                + " between interpreters");
    }
}
