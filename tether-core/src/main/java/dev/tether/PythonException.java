package dev.tether;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A Python exception that escaped into Java: raised by code that {@link ThreadState#exec}, {@link ThreadState#eval}
 * or a call ran.
 *
 * <p>It carries what Python knew: the exception's type name (qualified with its module unless it is a builtin,
 * e.g. {@code ValueError} or {@code json.decoder.JSONDecodeError}), its message ({@code str(exc)}) and the
 * formatted traceback, with Python file names and line numbers. {@link #getMessage()} reads like Python's last
 * traceback line: {@code "ValueError: bad value"}.
 *
 * <h2 id="exit">SystemExit and KeyboardInterrupt</h2>
 * {@code SystemExit} and {@code KeyboardInterrupt} are ordinary exceptions here: they never exit the JVM and never
 * stop the interpreter. {@link #isSystemExit()} and {@link #exitCode()} tell them apart. A {@code KeyboardInterrupt}
 * is also what Python code receives when a {@linkplain Interpreter#close(java.time.Duration) close with a deadline}
 * interrupts it; when the Java thread running it is {@linkplain Thread#interrupt() interrupted}, Python code receives
 * {@code tether.Interrupted}, a {@code KeyboardInterrupt} for which {@link #isInterrupted()} is true.
 *
 * <h2 id="causes">Causes</h2>
 * The Python {@code __cause__} (or, unless suppressed, {@code __context__}) becomes the Java {@link #getCause()
 * cause}, as another {@code PythonException}; an exception that a {@link PythonCallable} threw in Java and that came
 * back through Python has the original Java exception as its cause.
 *
 * <p>After Tether throws this exception, no Python error indicator is left set: the interpreter can be used again
 * at once.
 */
public final class PythonException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** The qualified name of the Python type Tether raises for an interrupt (tether_support.py). */
    private static final String INTERRUPTED_TYPE = "tether.Interrupted";

    private final String typeName;
    private final String pythonMessage;
    private final String pythonTraceback;
    private final Integer exitCode;
    /** The exception object, while its interpreter lives; not serialized. */
    private final transient PyObject exception;

    /** Made by the bridge only (see {@code PublicObjects}): users receive these, they do not create them. */
    PythonException(String typeName, String pythonMessage, String pythonTraceback, Integer exitCode,
                    Throwable cause, PyObject exception, String hint) {
        super((pythonMessage.isEmpty() ? typeName : typeName + ": " + pythonMessage)
                + (hint == null ? "" : "\n" + hint), cause);
        this.typeName = Objects.requireNonNull(typeName, "typeName");
        this.pythonMessage = pythonMessage;
        this.pythonTraceback = Objects.requireNonNull(pythonTraceback, "pythonTraceback");
        this.exitCode = exitCode;
        this.exception = exception;
    }

    /** Always {@link ErrorCode#PYTHON_EXCEPTION}: what Tether calls a Python exception that reached Java. */
    public ErrorCode code() {
        return ErrorCode.PYTHON_EXCEPTION;
    }

    /**
     * The Python exception object (usable while its interpreter lives). Rethrowing this {@code PythonException} from
     * a {@link PythonCallable} re-raises that very object in Python.
     */
    public Optional<PyObject> exception() {
        return Optional.ofNullable(exception);
    }

    /** The Python type name, e.g. {@code "ValueError"} or {@code "json.decoder.JSONDecodeError"}. */
    public String pythonType() {
        return typeName;
    }

    /** {@code str(exception)}: the message without the type name; may be empty. */
    public String pythonMessage() {
        return pythonMessage;
    }

    /** The traceback formatted as Python prints it ({@code traceback.format_exception}), ending with a newline. */
    public String pythonTraceback() {
        return pythonTraceback;
    }

    /** Whether the Python exception is a {@code SystemExit} (or a subclass). */
    public boolean isSystemExit() {
        return "SystemExit".equals(typeName) || exitCode != null;
    }

    /**
     * Whether the Python exception is a {@code KeyboardInterrupt}: raised by a close with a deadline, by Python
     * code, or (as {@code tether.Interrupted}, see {@link #isInterrupted()}) by an interrupt of the Java thread.
     */
    public boolean isKeyboardInterrupt() {
        return "KeyboardInterrupt".equals(typeName) || isInterrupted();
    }

    /**
     * Whether the Python exception is the one Tether raises when the Java thread running the code was
     * {@linkplain Thread#interrupt() interrupted}, or when its call's timeout passed: Python's
     * {@code tether.Interrupted}, a subclass of {@code KeyboardInterrupt}. See
     * <a href="Interpreter.html#interrupting">Interrupting</a>.
     */
    public boolean isInterrupted() {
        return INTERRUPTED_TYPE.equals(typeName);
    }

    /** For a {@code SystemExit} whose code is an int (or None, meaning 0), that status. */
    public OptionalInt exitCode() {
        return exitCode == null ? OptionalInt.empty() : OptionalInt.of(exitCode);
    }
}
