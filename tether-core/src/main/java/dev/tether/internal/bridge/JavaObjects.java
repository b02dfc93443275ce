package dev.tether.internal.bridge;

import dev.tether.internal.protocol.InterpreterImpl;
import java.util.Objects;

/**
 * The public layer's entry to Java objects in Python: live views and Java buffers ({@code ThreadState.view}), and
 * counts for diagnostics. Proxies need no entry of their own: every conversion makes them ({@link ToPython}).
 */
public final class JavaObjects {
    private JavaObjects() {}

    /**
     * A new reference to a live view of a {@code List}, {@code Map}, {@code Set}, {@code Collection},
     * {@code Iterable} or {@code Iterator}, or to an exporter of a primitive array or {@code MemorySegment}; the
     * same object while it lives. Requires a thread state of {@code interpreter} attached.
     *
     * @throws dev.tether.ConversionException for any other value
     */
    public static Ref view(InterpreterImpl interpreter, Object value, boolean readOnly) {
        Objects.requireNonNull(value, "value");
        return new Ref(interpreter, ObjectSpace.view(interpreter, value, readOnly));
    }

    /**
     * Gives {@code interpreter} its own host access policy instead of the runtime's (for a per-interpreter
     * configuration); call it before the interpreter receives any Java object. Proxy classes made before keep the
     * decisions they were made with.
     */
    public static void policy(InterpreterImpl interpreter, HostPolicy policy) {
        ObjectSpace.policy(interpreter, policy);
    }

    /** How many proxies and views of {@code interpreter} Python holds (0 once it is closing). */
    public static int liveProxies(InterpreterImpl interpreter) {
        return ObjectSpace.live(interpreter);
    }

    /** How many Java buffers Python holds, in every interpreter. */
    public static int liveBuffers() {
        return JavaBuffers.live();
    }
}
