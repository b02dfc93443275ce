package dev.tether;

/**
 * The version and build of the CPython a {@link PythonRuntime} runs.
 *
 * @param major        3
 * @param minor        9 to 15
 * @param micro        the patch level
 * @param debug        a debug build ({@code Py_DEBUG}: CPython's own assertions are on)
 * @param freeThreaded a free-threaded build ({@code Py_GIL_DISABLED}): no GIL, but attaching is still required
 */
public record PythonVersion(int major, int minor, int micro, boolean debug, boolean freeThreaded) {

    /** Whether this version is {@code major.minor} or newer. */
    public boolean isAtLeast(int major, int minor) {
        return this.major > major || (this.major == major && this.minor >= minor);
    }

    /** For example {@code "3.14.3"}, {@code "3.15.2 (debug)"} or {@code "3.13.5 (free-threaded)"}. */
    @Override
    public String toString() {
        String base = major + "." + minor + "." + micro;
        if (debug && freeThreaded) {
            return base + " (debug, free-threaded)";
        }
        return debug ? base + " (debug)" : freeThreaded ? base + " (free-threaded)" : base;
    }
}
