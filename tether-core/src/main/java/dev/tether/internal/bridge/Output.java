package dev.tether.internal.bridge;

import dev.tether.PythonCallable;
import dev.tether.internal.capi.CApi;
import dev.tether.internal.protocol.InterpreterImpl;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;

/**
 * The Java ends of Python's program output and of the {@code logging} bridge: direct callables (they run on
 * whichever thread writes, without an attachment of their own, so CPython can still flush into them while an
 * interpreter ends; see {@link Callables#createDirect}). The Python ends are in {@code tether_support.py}: they pass
 * whole lines, per thread.
 */
final class Output {
    private Output() {}

    /**
     * A new reference to a sink writing Python's bytes to {@code out} (flushed after every batch of lines, so
     * nothing waits in a Java buffer), or to None when {@code out} is null (file descriptor 1 or 2 then).
     * Writes are serialized on {@code out} itself, as {@link java.io.PrintStream} does, so Java threads printing
     * to the same stream interleave with Python only between lines.
     */
    static MemorySegment sink(InterpreterImpl interpreter, OutputStream out, String name) {
        if (out == null) {
            return PyTypes.newRef(CApi.Py_None);
        }
        PythonCallable write = (List<Object> args, Map<String, Object> kwargs) -> {
            byte[] data = (byte[]) args.getFirst();
            try {
                synchronized (out) {
                    out.write(data);
                    out.flush();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("writing Python's sys." + name + " to " + out + " failed", e);
            }
            return null;
        };
        return Callables.createDirect(interpreter, write, "sys." + name + " sink");
    }

    /** A new reference to {@code log(name, levelno, message)}, which logs to {@code System.getLogger(name)}. */
    static MemorySegment logger(InterpreterImpl interpreter) {
        PythonCallable log = (List<Object> args, Map<String, Object> kwargs) -> {
            System.getLogger((String) args.get(0)).log(javaLevel((Long) args.get(1)), (String) args.get(2));
            return null;
        };
        return Callables.createDirect(interpreter, log, "logging bridge");
    }

    /**
     * The Java level of a Python {@code logging} level: CRITICAL and ERROR are ERROR, then WARNING, INFO, DEBUG;
     * below DEBUG is TRACE. Levels between the named ones round down, as Python's own comparisons do.
     */
    static Level javaLevel(long pythonLevel) {
        if (pythonLevel >= 40) {
            return Level.ERROR;
        }
        if (pythonLevel >= 30) {
            return Level.WARNING;
        }
        if (pythonLevel >= 20) {
            return Level.INFO;
        }
        return pythonLevel >= 10 ? Level.DEBUG : Level.TRACE;
    }

    /**
     * The level Python's root logger gets with the bridge: the most verbose one Java's root logger takes (so Python
     * does not build records Java would drop), or above CRITICAL if it takes none.
     */
    static long pythonLevel() {
        System.Logger root = System.getLogger("");
        Level[] levels = {Level.TRACE, Level.DEBUG, Level.INFO, Level.WARNING, Level.ERROR};
        long[] python = {5, 10, 20, 30, 40};
        for (int i = 0; i < levels.length; i++) {
            if (root.isLoggable(levels[i])) {
                return python[i];
            }
        }
        return 100;
    }
}
