package dev.tether.internal.bridge;

/**
 * How the bridge's results become the objects users hold. The public layer implements it and hands it to the
 * runtime when it starts ({@link Bridge#install}); the bridge itself never names a public type.
 *
 * <p>Direct results cross as {@link Ref}s, which the public layer wraps itself. This interface is for the public
 * objects that appear inside converted values (a {@code PyObject} in a {@code List}), for Python errors, and for
 * recognizing public objects among the Java values passed in.
 */
public interface Publisher {
    /** A new public object that owns {@code ref}. */
    Object object(Ref ref);

    /** The reference under {@code value} if it is a public Python object, else null. */
    Ref refOf(Object value);

    /** Whether {@code type} is the public Python object type (what {@code as(PyObject.class)} asks for). */
    boolean isObjectType(Class<?> type);

    /** The public exception for a Python error. */
    RuntimeException exception(PythonError error);

    /** The Python exception object carried by {@code t} if it is a public Python exception whose object lives. */
    Ref exceptionRef(Throwable t);
}
