package dev.tether;

import dev.tether.internal.bridge.Publisher;
import dev.tether.internal.bridge.PythonError;
import dev.tether.internal.bridge.Ref;

/**
 * The one place where the bridge's internal results become public objects: {@link PyObject}s inside converted
 * values, and {@link PythonException}s (with their causes) for Python errors. Handed to the runtime when it starts.
 */
final class PublicObjects implements Publisher {
    static final PublicObjects INSTANCE = new PublicObjects();

    private PublicObjects() {}

    @Override
    public Object object(Ref ref) {
        return PyObject.of(ref);
    }

    @Override
    public Ref refOf(Object value) {
        return value instanceof PyObject o ? o.ref() : null;
    }

    @Override
    public boolean isObjectType(Class<?> type) {
        return type == PyObject.class;
    }

    @Override
    public RuntimeException exception(PythonError error) {
        Throwable cause = error.javaCause() != null ? error.javaCause()
                : error.cause() != null ? exception(error.cause()) : null;
        return new PythonException(error.type(), error.message(), error.traceback(), error.exitCode(), cause,
                error.exception() == null ? null : PyObject.of(error.exception()), error.note());
    }

    @Override
    public Ref exceptionRef(Throwable t) {
        return t instanceof PythonException p ? p.exception().map(PyObject::ref).orElse(null) : null;
    }
}
