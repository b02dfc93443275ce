package dev.tether.internal.bridge;

import java.lang.foreign.MemorySegment;

/**
 * A Python exception that a host function (a proxy's member, a view's operation) raises where its Python caller
 * is: a {@code TypeError} for arguments that fit no overload, an {@code AttributeError} for a missing member, the
 * support module's {@code HostAccessError} for a refused one... It never reaches Java callers: {@link HostCalls}
 * turns it into the Python error indicator. Java exceptions of the called code take the other path
 * ({@link Errors#raise}).
 */
final class PyRaise extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Which Python exception. */
    enum Kind { TYPE_ERROR, ATTRIBUTE_ERROR, HOST_ACCESS_ERROR, INDEX_ERROR, KEY_ERROR, BUFFER_ERROR, STOP_ITERATION }

    final Kind kind;
    /** The exception's argument if not the message: a borrowed object ({@code KeyError(key)}), or NULL. */
    final transient MemorySegment value;

    PyRaise(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
        this.value = MemorySegment.NULL;
    }

    PyRaise(Kind kind, MemorySegment value) {
        super(null, null, false, false);
        this.kind = kind;
        this.value = value;
    }

    static PyRaise typeError(String message) {
        return new PyRaise(Kind.TYPE_ERROR, message);
    }
}
