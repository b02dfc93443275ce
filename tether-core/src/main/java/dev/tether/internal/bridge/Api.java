package dev.tether.internal.bridge;

/**
 * How the bridge creates and opens the public object types it hands out, without the public package exposing
 * constructors: the public classes register their factories here when they are initialized (the pattern of the
 * JDK's shared secrets).
 */
public final class Api {
    /** Implemented by the public layer. */
    public interface Views {
        /** A new public {@code PyObject} standing on {@code ref}. */
        Object object(Ref ref);

        /** The reference under a public {@code PyObject}. */
        Ref ref(Object object);

        /** Whether {@code value} is a public {@code PyObject}. */
        boolean isObject(Object value);
    }

    private static volatile Views views;

    private Api() {}

    /** Called once by the public {@code PyObject} class. */
    public static void register(Views registered) {
        views = registered;
    }

    static Views views() {
        Views v = views;
        if (v == null) {
            try {
                Class.forName("dev.tether.PyObject", true, Api.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            v = views;
        }
        return v;
    }
}
