package dev.tether.internal.protocol;

import dev.tether.ConversionException;
import dev.tether.ErrorCode;
import dev.tether.ThreadStateException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/**
 * Every refusal and failure message Tether produces, in one place, so that they name things the same way: the
 * interpreter ({@link InterpreterImpl#describe()}), the thread ({@link #name(Thread)}), the state, and what to do
 * instead. Each method returns the exception (or refusal) for the caller to throw; each carries its code.
 */
public final class Failures {
    private Failures() {}

    // ---- attaching and releasing (refusals are values: tryEnsure reports them without throwing) ----------------

    public static Refusal closing(InterpreterImpl interpreter) {
        return new Refusal(ErrorCode.INTERPRETER_FINALIZING, capitalize(interpreter.describe())
                + " is closing: new attachments and guards are refused while work in flight finishes");
    }

    public static Refusal closed(InterpreterImpl interpreter) {
        return new Refusal(ErrorCode.INTERPRETER_CLOSED, capitalize(interpreter.describe()) + " is closed");
    }

    /** The refusal matching the gate's current state (closing or closed). */
    public static Refusal notOpen(InterpreterImpl interpreter) {
        return interpreter.gate().isClosed() ? closed(interpreter) : closing(interpreter);
    }

    public static Refusal outOfMemory(InterpreterImpl interpreter) {
        return new Refusal(ErrorCode.OUT_OF_MEMORY,
                "CPython could not allocate a thread state for " + interpreter.describe());
    }

    public static Refusal virtualThread(InterpreterImpl interpreter) {
        return new Refusal(ErrorCode.VIRTUAL_THREAD, "Cannot ensure a thread state for " + interpreter.describe()
                + " on virtual thread " + name(Thread.currentThread()) + ": a thread state belongs to one OS thread"
                + " and a virtual thread may move between carriers. Use interpreter.call(ts -> ...) or"
                + " interpreter.run(ts -> ...), which run the work on a platform thread");
    }

    public static ThreadStateException wrongThread(Attachment attachment, String action) {
        return new ThreadStateException(ErrorCode.WRONG_THREAD, "Cannot " + action + " the thread state of "
                + attachment.interpreter().describe() + " from thread " + name(Thread.currentThread())
                + ": it belongs to thread " + name(attachment.owner())
                + "; a thread state is used and released only by the thread that ensured it");
    }

    public static ThreadStateException alreadyReleased(Attachment attachment, String action) {
        return new ThreadStateException(ErrorCode.ALREADY_RELEASED, "Cannot " + action + " the thread state of "
                + attachment.interpreter().describe() + " on thread " + name(attachment.owner())
                + ": it was already released");
    }

    public static ThreadStateException outOfOrder(Attachment attachment, Attachment top) {
        return new ThreadStateException(ErrorCode.RELEASE_OUT_OF_ORDER, "Cannot release the thread state of "
                + attachment.interpreter().describe() + " on thread " + name(attachment.owner())
                + ": the one for " + top.interpreter().describe() + " ensured after it is still open;"
                + " release in reverse order (try-with-resources does)");
    }

    public static ThreadStateException notCurrent(Attachment attachment, InterpreterImpl current) {
        return new ThreadStateException(ErrorCode.NOT_CURRENT, "The thread state of "
                + attachment.interpreter().describe() + " is not the current one on thread "
                + name(attachment.owner()) + " (" + (current == null ? "nothing" : current.describe())
                + " is attached); use the newest thread state, or release it first");
    }

    public static ThreadStateException guardReleased(InterpreterImpl interpreter) {
        return new ThreadStateException(ErrorCode.ALREADY_RELEASED,
                "The guard of " + interpreter.describe() + " was already released");
    }

    /** The text of the warning logged when a Java callable returns with thread states it ensured still open. */
    public static String leakedAttachments(int leaked) {
        return "A Java callable returned to Python with " + leaked + " thread state(s) it ensured still open;"
                + " they were released. Release what you ensure (try-with-resources)";
    }

    // ---- Python objects ---------------------------------------------------------------------------------------

    public static ThreadStateException closedObject(InterpreterImpl interpreter) {
        return new ThreadStateException(ErrorCode.ALREADY_RELEASED,
                "This Python object of " + interpreter.describe() + " was closed");
    }

    public static ThreadStateException wrongInterpreter(InterpreterImpl owner, InterpreterImpl current) {
        return new ThreadStateException(ErrorCode.WRONG_INTERPRETER, "A Python object of " + owner.describe()
                + " was used while the thread is attached to " + current.describe()
                + ": objects belong to the interpreter that created them; convert to Java values to move data"
                + " between interpreters");
    }

    // ---- closing ----------------------------------------------------------------------------------------------

    public static ThreadStateException closeWhileAttached(InterpreterImpl interpreter) {
        return new ThreadStateException(ErrorCode.CLOSE_WHILE_ATTACHED, "Cannot close "
                + interpreter.describe() + " from thread " + name(Thread.currentThread())
                + ", which is attached to it: closing waits for every attachment, so it would wait for itself."
                + " Release the thread state first, or close from another thread");
    }

    public static ThreadStateException closeTimedOut(InterpreterImpl interpreter, List<String> javaHolders,
                                                      int guards, List<String> pythonThreads) {
        StringBuilder sb = new StringBuilder("Closing ").append(interpreter.describe())
                .append(" timed out, even after interrupting the Python code running in it; it stays CLOSING.");
        if (!javaHolders.isEmpty()) {
            sb.append(" Java threads still attached: ").append(String.join(", ", javaHolders)).append('.');
        }
        if (guards > 0) {
            sb.append(" Open guards: ").append(guards).append('.');
        }
        if (!pythonThreads.isEmpty()) {
            sb.append(" Python threads still running: ").append(String.join(", ", pythonThreads)).append('.');
        }
        return new ThreadStateException(ErrorCode.CLOSE_TIMED_OUT, sb.append(" Close again to keep waiting").toString());
    }

    public static ThreadStateException callTimedOut(InterpreterImpl interpreter, java.time.Duration timeout,
                                                    Throwable cause) {
        return new ThreadStateException(ErrorCode.CALL_TIMED_OUT, "A call on " + interpreter.describe()
                + " from thread " + name(Thread.currentThread()) + " ran past its timeout of " + timeout
                + "; its Python code was interrupted" + (cause == null ? "" : " (" + cause.getMessage() + ")"), cause);
    }

    /** Another thread holds the close of {@code what} ("the Python runtime", or an interpreter) past the deadline. */
    public static ThreadStateException closeBusy(String what) {
        return new ThreadStateException(ErrorCode.CLOSE_TIMED_OUT, "Another thread is still closing " + what
                + "; close again to keep waiting");
    }

    public static ThreadStateException closeInterrupted(String what, InterruptedException cause) {
        return new ThreadStateException(ErrorCode.CLOSE_TIMED_OUT, "Interrupted while waiting to close " + what
                + "; the thread's interrupt status is set again", cause);
    }

    public static ThreadStateException endTimedOut(InterpreterImpl interpreter) {
        return new ThreadStateException(ErrorCode.CLOSE_TIMED_OUT, "CPython did not finish ending "
                + interpreter.describe() + " in time (its atexit handlers or finalizers may be blocked); it stays"
                + " CLOSING and the end goes on in the background");
    }

    public static ThreadStateException idleNotDeleted(InterpreterImpl interpreter, int count) {
        return new ThreadStateException(ErrorCode.OUT_OF_MEMORY, "Cannot end " + interpreter.describe() + ": CPython"
                + " could not allocate the thread state needed to delete " + count + " idle thread state(s) of"
                + " terminated threads; it stays CLOSING and a later close retries");
    }

    /** Where the names of Python threads would go when one count of thread states is all that is known. */
    public static String foreignThreadStates(int count) {
        return count + " thread state(s) of code outside Tether";
    }

    /** What an interrupt report says when CPython's main thread could not reach the interpreter in time. */
    public static String interruptNotDelivered(InterpreterImpl interpreter) {
        return "(none interrupted: could not attach to " + interpreter.describe() + " in time)";
    }

    /** The text of the warning logged when the shutdown hook could not close the runtime. */
    public static String notClosedAtExit(String reason) {
        return "The Python runtime was not closed at JVM exit: " + reason;
    }

    // ---- pools -------------------------------------------------------------------------------------------------

    public static Refusal poolNotOpen(String pool, boolean closed) {
        return closed
                ? new Refusal(ErrorCode.INTERPRETER_CLOSED, capitalize(pool) + " is closed: it takes no tasks")
                : new Refusal(ErrorCode.INTERPRETER_FINALIZING, capitalize(pool) + " is closing: new tasks are"
                        + " refused while the accepted ones finish");
    }

    public static ThreadStateException poolClosedBeforeStart(String pool) {
        return new ThreadStateException(ErrorCode.INTERPRETER_FINALIZING, capitalize(pool) + " was closed before"
                + " this task started: it was still queued when the close's deadline passed");
    }

    public static IllegalArgumentException poolSize(int size) {
        return new IllegalArgumentException("A pool needs at least one interpreter: " + size);
    }

    // ---- starting ---------------------------------------------------------------------------------------------

    public static ThreadStateException runtimeRunning(String version) {
        return new ThreadStateException(ErrorCode.RUNTIME_ALREADY_STARTED, "A Python runtime is already running in"
                + " this process (CPython " + version + "); use PythonRuntime.current(), or close it first");
    }

    public static ThreadStateException runtimeStartedBefore() {
        return new ThreadStateException(ErrorCode.RUNTIME_ALREADY_STARTED, "A Python runtime was already started in"
                + " this process; CPython cannot be initialized again after it was finalized. Start one runtime per"
                + " process and use subinterpreters for work that comes and goes");
    }

    public static ThreadStateException runtimeNotStarted() {
        return new ThreadStateException(ErrorCode.RUNTIME_NOT_STARTED,
                "No Python runtime was started in this process; call PythonRuntime.start() first");
    }

    public static ThreadStateException runtimeNotRunning(boolean closed, String action) {
        return new ThreadStateException(closed ? ErrorCode.INTERPRETER_CLOSED : ErrorCode.INTERPRETER_FINALIZING,
                "Cannot " + action + ": the Python runtime is " + (closed ? "closed" : "closing"));
    }

    public static ThreadStateException noPythonFound(List<String> tried) {
        return new ThreadStateException(ErrorCode.NO_PYTHON_FOUND, "No CPython to start. Tried, in order:\n  "
                + String.join("\n  ", tried)
                + "\nSet PythonRuntime.builder().library(...), -Dtether.python.library=..., TETHER_PYTHON_LIBRARY,"
                + " or put dev.tether:tether-cpython on the class path.");
    }

    public static ThreadStateException homeWithoutLibrary(String source, Path home) {
        return unusable(source + " named home " + home + " but it holds no libpython3.*.so; set the library too");
    }

    public static ThreadStateException libraryNotReadable(String source, Path library) {
        return unusable(source + " named library " + library + ", which is not a readable file");
    }

    public static ThreadStateException noHomeNearLibrary(String source, Path library) {
        return unusable(source + " named library " + library
                + " but no home (a folder with lib/python3.X/os.py) was found next to it; set the home too");
    }

    public static ThreadStateException libraryNotLoaded(Path library, RuntimeException cause) {
        return unusable("Cannot load " + library + ": " + cause.getMessage(), cause);
    }

    public static ThreadStateException cannotBind(Path library, Throwable cause) {
        return unusable("Cannot bind the C API of " + library + ": "
                + (cause.getCause() != null ? cause.getCause().getMessage() : cause.getMessage()), cause);
    }

    public static ThreadStateException unreadableVersion(Path library, String text) {
        return unusable("Cannot read the version of " + library + " from '" + text + "'");
    }

    public static ThreadStateException unsupportedVersion(Path library, String version) {
        return unusable("Tether supports CPython 3.9 to 3.15; " + library + " is " + version);
    }

    public static ThreadStateException noStandardLibrary(Path home, String version, Path stdlib) {
        return unusable("The home " + home + " has no standard library for CPython " + version + " (expected "
                + stdlib + "/os.py and encodings/); set the home explicitly");
    }

    public static ThreadStateException initializationFailed(String detail) {
        return unusable("CPython failed to initialize: " + detail);
    }

    public static ThreadStateException optionRefused(String option, String detail) {
        return unusable("CPython refused the initialization option " + option + ": " + detail);
    }

    public static ThreadStateException setupFailed(String what, RuntimeException cause) {
        return unusable("CPython started, but setting up " + what + " failed (the runtime was shut down again): "
                + cause.getMessage(), cause);
    }

    public static ThreadStateException subinterpreterNotCreated(String detail) {
        return new ThreadStateException(ErrorCode.OUT_OF_MEMORY, "CPython could not create a subinterpreter"
                + (detail == null ? "" : ": " + detail));
    }

    // ---- configuration ----------------------------------------------------------------------------------------

    public static ThreadStateException interpreterConfigNeeds312(int minor, List<String> fields) {
        return invalid("CPython 3." + minor + " cannot make a subinterpreter with " + String.join(", ", fields)
                + " set that way: PyInterpreterConfig exists from 3.12, and 3." + minor + " has only"
                + " Py_NewInterpreter, whose subinterpreters share the main GIL and allocator, allow threads, daemon"
                + " threads, fork and exec, and load single-phase init extension modules. Use"
                + " InterpreterConfig.legacy()"
                + " (or isolated() unchanged, which gives the same there)");
    }

    public static ThreadStateException interpreterConfigInvalid(String why) {
        return invalid("Invalid InterpreterConfig: " + why);
    }

    public static ThreadStateException settingsConflict(String first, String second, String why) {
        return invalid("The settings " + first + " and " + second + " conflict: " + why);
    }

    public static ThreadStateException executableUnusable(Path executable) {
        return invalid("executable(" + executable + "): not an executable file");
    }

    public static ThreadStateException executableInVenv(Path executable, Path venv) {
        return invalid("executable(" + executable + ") lies in the virtual environment " + venv
                + " (it has a pyvenv.cfg); use virtualEnvironment(" + venv + ") instead, which also sets sys.prefix"
                + " and the environment's site-packages");
    }

    public static ThreadStateException venvUnreadable(Path venv, Path cfg, Exception cause) {
        return new ThreadStateException(ErrorCode.INVALID_CONFIGURATION, "virtualEnvironment(" + venv
                + "): cannot read " + cfg + " (" + cause + "); a virtual environment made by python -m venv has one",
                cause);
    }

    public static ThreadStateException venvWithoutHome(Path venv, Path cfg) {
        return invalid("virtualEnvironment(" + venv + "): " + cfg + " has no 'home = ...' line naming the folder of"
                + " the interpreter that made it");
    }

    public static ThreadStateException venvWithoutVersion(Path venv, Path cfg) {
        return invalid("virtualEnvironment(" + venv + "): " + cfg + " has no 'version = 3.X...' line and its lib/"
                + " folder does not show one python3.X; cannot tell which CPython it belongs to");
    }

    public static ThreadStateException venvWithoutBase(Path venv, Path home, int minor) {
        return invalid("virtualEnvironment(" + venv + "): its pyvenv.cfg names home = " + home + ", but no"
                + " lib/python3." + minor + "/os.py was found at or above it: the CPython that made it is gone");
    }

    public static ThreadStateException venvVersionMismatch(Path venv, String venvVersion, String loaded,
                                                           Path library, String source) {
        return invalid("virtualEnvironment(" + venv + ") was made by CPython " + venvVersion + ", but the CPython"
                + " to load is " + loaded + " (" + library + ", from " + source + "); a virtual environment works"
                + " only with the CPython version that made it. Name that version's libpython with"
                + " PythonRuntime.builder().library(...), or make the environment with " + loaded);
    }

    public static ThreadStateException venvOtherInstallation(Path venv, Path venvHome, Path basePrefix, Path home,
                                                             Path library, String source) {
        return invalid("The settings virtualEnvironment(" + venv + ") and the installation " + library + " (home "
                + home + ", from " + source + ") conflict: the environment was made by the CPython in " + venvHome
                + " (base installation " + basePrefix + "), another installation. Load that installation's libpython"
                + " (leave library and home unset to find it), or make the environment with " + home + "/bin/python3");
    }

    /** What {@code os.fork()} raises in the JVM unless {@code allowFork(true)} (F-FORK-IN-JVM). */
    public static String forkRefused() {
        return "os.fork() is refused in a JVM process (Tether): the child would be a copy of the JVM with only the"
                + " forking thread, inheriting the JVM's signal handlers (SIGTERM no longer ends it, so"
                + " Process.terminate() cannot stop it) and, while subinterpreters exist, CPython's after-fork code"
                + " deadlocks (3.11) or crashes (3.14). Use subprocess or multiprocessing with the 'spawn' or"
                + " 'forkserver' start method (Tether's default), or opt in with"
                + " PythonRuntime.builder().allowFork(true) if the child only calls os.exec*() or os._exit()";
    }

    private static ThreadStateException invalid(String message) {
        return new ThreadStateException(ErrorCode.INVALID_CONFIGURATION, message);
    }

    // ---- Python packages from jars (PythonPackages services: tether-numpy) --------------------------------------

    /**
     * A package jar built for another CPython than the one found: names both, and what to do.
     *
     * @param packages    the package's description ("numpy 2.4.2 from org.bytedeco:numpy:...")
     * @param builtFor    the ABI tag its extension modules were built for ("cpython-314-x86_64-linux-gnu")
     * @param python      the CPython found ("CPython 3.13.5 from org.bytedeco:cpython:3.13.5-1.5.12:linux-x86_64")
     * @param runtimeTag  that CPython's ABI tag
     */
    public static ThreadStateException packagesIncompatible(String packages, String builtFor, String python,
                                                            String runtimeTag) {
        return unusable(packages + " is built for " + builtFor + ", but the CPython found is " + python + " ("
                + runtimeTag + "): its extension modules cannot load there. Use a CPython that matches (for"
                + " tether-numpy, the CPython of tether-cpython), or remove the package from the class path and"
                + " install that CPython's own");
    }

    public static ThreadStateException packagesNotReady(String packages, Throwable cause) {
        return unusable("Cannot make " + packages + " ready: " + cause.getMessage(), cause);
    }

    public static ThreadStateException packagesLibraryNotLoaded(String packages, Path library, RuntimeException cause) {
        return unusable("Cannot load " + library + ", which " + packages + " needs: " + cause.getMessage(), cause);
    }

    private static ThreadStateException unusable(String message) {
        return new ThreadStateException(ErrorCode.PYTHON_UNUSABLE, message);
    }

    private static ThreadStateException unusable(String message, Throwable cause) {
        return new ThreadStateException(ErrorCode.PYTHON_UNUSABLE, message, cause);
    }

    // ---- conversions (the table is in docs/guide.md, section "Conversions") -----------------------------------

    public static ConversionException noPythonConversion(Class<?> type) {
        return new ConversionException("No Python conversion for Java type " + type.getName()
                + ": pass null, a Boolean, number, String, byte[], array, List, Set, Map, PyObject,"
                + " PythonCallable or functional interface");
    }

    public static ConversionException noJavaConversion(String pythonType, Class<?> type) {
        return new ConversionException("No conversion of Python " + pythonType + " to " + type.getName());
    }

    public static ConversionException expectedKind(String expected, String got) {
        return new ConversionException("Expected " + expected + ", got " + got);
    }

    public static ConversionException expectedKind(String expected, String got, Throwable cause) {
        return new ConversionException("Expected " + expected + ", got " + got, cause);
    }

    public static ConversionException intOutOfRange(BigInteger value, String javaType) {
        return new ConversionException("The Python int " + value + " does not fit in a Java " + javaType);
    }

    public static ConversionException intTooLargeForDouble() {
        return new ConversionException("The Python int does not fit in a Java double");
    }

    public static ConversionException floatOutOfRange(double value) {
        return new ConversionException("The Python float " + value + " does not fit in a Java float");
    }

    public static ConversionException notOneChar(int length) {
        return new ConversionException("Expected a str of one UTF-16 unit, got one of length " + length);
    }

    public static ConversionException strNotBytes() {
        return new ConversionException("Expected a bytes-like object, got str (encode it first)");
    }

    public static ConversionException textNotSequence(String pythonType) {
        return new ConversionException("Expected a sequence, got " + pythonType
                + " (convert it to String or byte[] instead)");
    }

    public static ConversionException namespaceNotDict(String pythonType) {
        return new ConversionException("A namespace must be a Python dict, got " + pythonType);
    }

    public static ConversionException keywordNotString(Object key) {
        return new ConversionException("Keyword argument names must be Strings, got "
                + (key == null ? "null" : key.getClass().getName()));
    }

    public static ConversionException unhashable(Object key, String what, String detail) {
        return new ConversionException("Cannot use a Java " + (key == null ? "null" : key.getClass().getName())
                + " as a Python " + what + ": " + detail);
    }

    public static ConversionException collectionResized(String how) {
        return new ConversionException("The collection " + how + " while it was converted");
    }

    public static ConversionException cyclicArray(Class<?> type) {
        return new ConversionException("A Java " + type.getSimpleName() + " that contains itself (through the"
                + " collections in it) cannot become a Python tuple: a tuple cannot be shared before it is complete."
                + " Use a List instead");
    }

    public static ConversionException keyTooDeep(int limit) {
        return new ConversionException("A tuple nested more than " + limit + " deep cannot become a Java map key"
                + " or set element");
    }

    public static ConversionException indirectBuffer(String pythonType) {
        return new ConversionException("The buffer of Python " + pythonType + " is indirect (it has suboffsets):"
                + " Tether reads direct buffers only; copy it first (numpy.ascontiguousarray, bytes(...))");
    }

    /** A typed copy ({@code toDoubleArray()}...) of a buffer whose elements are of another type. */
    public static ConversionException elementsDoNotFit(String method, String needed, String format) {
        return new ConversionException(method + " needs " + needed + " elements; this buffer's format is '"
                + format + "' (struct syntax). Pick the accessor of its type, or convert it in Python first"
                + " (e.g. array.astype('float64'))");
    }

    public static ConversionException tooManyElements(long count) {
        return new ConversionException("The buffer has " + count + " elements, more than a Java array holds;"
                + " read it through segment() instead");
    }

    /** {@code toNumpy} of memory that cannot back an array: closed, or of the wrong size. */
    public static ConversionException notAnArray(String detail) {
        return new ConversionException("Cannot make a numpy array of this Java memory: " + detail);
    }

    public static ConversionException boolNotNumber(String pythonType, String javaType) {
        return new ConversionException("Expected a number, got " + pythonType + ", a boolean: use Boolean, not "
                + javaType + " (a bool is not converted to a number implicitly)");
    }

        public static ConversionException pythonValueNotCreated() {
        return new ConversionException("CPython could not create the value (out of memory?)");
    }

    /**
     * A Java functional interface called from Python with the wrong arguments. Not a Tether exception: it is
     * raised in Python (as a {@code ValueError} named after {@code IllegalArgumentException}), where the caller is.
     */
    public static IllegalArgumentException wrongArity(String kind, int arity, int given,
                                                      Collection<String> keywords) {
        return new IllegalArgumentException("This Java " + kind + " takes exactly " + arity + " positional argument"
                + (arity == 1 ? "" : "s") + " (" + given + " given"
                + (keywords.isEmpty() ? "" : ", and keywords " + keywords) + ")");
    }

    // ---- Python errors Tether explains ---------------------------------------------------------------------------

    /**
     * Tether's explanation for a Python error it recognizes, added to the {@code PythonException}'s message (the
     * Python message stays as it is): extension modules that refuse an interpreter (F-EXTENSIONS-PER-INTERPRETER).
     * Null for every other error.
     */
    public static String pythonHint(InterpreterImpl interpreter, String type, String message) {
        if (message == null || !type.endsWith("ImportError")) {
            return null;
        }
        if (message.contains("does not support loading in subinterpreters")) {
            return "Tether: " + interpreter.describe() + " is isolated (InterpreterConfig.isolated(), the default of"
                    + " newInterpreter()), and this extension module uses single-phase initialization, which CPython"
                    + " refuses in isolated interpreters. Import it in the main interpreter, or in a subinterpreter"
                    + " made with newInterpreter(InterpreterConfig.legacy()), which shares the main GIL";
        }
        if (message.contains("Interpreter change detected") || message.contains("more than once per process")) {
            return "Tether: this extension module loads into one interpreter per process only, and another"
                    + " interpreter of this process already loaded it (or tried to). Use it from that interpreter"
                    + " alone: for example only from the main interpreter, which every Java thread can attach to"
                    + " (ThreadState.ensure(runtime.mainInterpreter()))";
        }
        return null;
    }

    // ---- Java objects in Python: the host access policy, proxies, views, buffers ---------------------------------
    // (Messages raised in Python are strings: the bridge raises them as Python exceptions where the caller is.)

    /** {@code java.lang.Runtime.exec is not accessible from Python: <reason>}. */
    public static String hostAccessDenied(String type, String member, String reason) {
        return type + "." + member + " is not accessible from Python: " + reason;
    }

    public static String hostMemberDenied(String policy) {
        return "the host access policy " + policy + " denies it";
    }

    public static String hostMemberSensitive(String cause, String type, String member) {
        return cause + " is never reachable through a proxy unless the policy names it explicitly (for example"
                + " HostAccess.builder().allowMember(" + simpleName(type) + ".class, \"" + member + "\"))";
    }

    public static String hostMemberNotAllowed(String policy, boolean explicit) {
        return explicit ? policy + " allows only public members annotated @HostAccess.Export"
                : "the host access policy " + policy + " does not allow it (allow its class, package or name with"
                + " HostAccess.builder())";
    }

    public static String hostMemberInaccessible(String declaringType) {
        return "it is declared by " + declaringType + ", which is not a public class or interface in a package its"
                + " module exports";
    }

    public static String hostMemberStatic() {
        return "static members are not reachable through a proxy (pass a function, or an object, instead)";
    }

    /** A proxy asked for an attribute its Java class does not have. */
    public static String noSuchJavaMember(String type, String member) {
        return "the Java object of class " + type + " has no public member '" + member + "'";
    }

    public static String notWritable(String type, String member) {
        return type + "." + member + " cannot be set from Python (it is read-only, or not a field or setter)";
    }

    /** The Java object type {@code type} has no row in the conversion table and the policy admits no objects. */
    public static ConversionException hostObjectRefused(Class<?> type, String policy) {
        return new ConversionException("No Python conversion for Java type " + type.getName()
                + ": pass null, a Boolean, number, String, byte[], array, List, Set, Map, PyObject,"
                + " PythonCallable or functional interface; or let Java objects cross as proxies with"
                + " PythonRuntime.builder().hostAccess(...) (the policy is " + policy + ")");
    }

    public static ConversionException noViewFor(Class<?> type) {
        return new ConversionException("No live view for Java type " + type.getName() + ": a view is made of a"
                + " List, Map, Set, Collection, Iterable, Iterator, primitive array or MemorySegment");
    }

    public static String notAProxy(String function) {
        return function + " must be called on a live Java object of this interpreter";
    }

    public static String wrongReceiver(String type, String function, String got) {
        return type + "." + function + " was called on a Java object of class " + got;
    }

    public static String keywordsRefused(String type, String function) {
        return type + "." + function + " takes positional arguments only (Java parameters have no names)";
    }

    public static String noOverload(String type, String function, String arguments, List<String> candidates,
                                    List<String> denied) {
        return "No overload of " + type + "." + function + " takes (" + arguments + "); candidates: "
                + (candidates.isEmpty() ? "none" : String.join(", ", candidates))
                + (denied.isEmpty() ? "" : "; not accessible: " + String.join(", ", denied));
    }

    public static String ambiguousOverload(String type, String function, String arguments, List<String> best) {
        return "The call " + type + "." + function + "(" + arguments + ") is ambiguous between "
                + String.join(" and ", best) + "; pass arguments that match one of them exactly";
    }

    public static String argumentNotConverted(String signature, int index, String detail) {
        return "Argument " + (index + 1) + " of " + signature + ": " + detail;
    }

    public static String readOnlyView(String type) {
        return "This view of a Java " + type + " is read-only";
    }

    public static String viewIndexOutOfRange(long index, long size) {
        return "index " + index + " is out of range for a Java list of size " + size;
    }

    public static String javaMemoryGone() {
        return "the Java memory behind this buffer is no longer accessible (its arena was closed)";
    }

    public static String bufferReadOnly() {
        return "the Java memory behind this buffer is read-only";
    }

    public static String bufferNotContiguous() {
        return "the Java memory behind this buffer is not C-contiguous; request strides (PyBUF_STRIDES)";
    }

    public static String spaceClosed(InterpreterImpl interpreter) {
        return capitalize(interpreter.describe()) + " is closing: Java objects can no longer be used from it";
    }

    private static String simpleName(String type) {
        return type.substring(type.lastIndexOf('.') + 1).replace('$', '.');
    }

    // ---- naming -----------------------------------------------------------------------------------------------

    /** How messages name a thread: {@code 'worker-1'}, or {@code 'v-3' (virtual)}. */
    public static String name(Thread thread) {
        return "'" + thread.getName() + "'" + (thread.isVirtual() ? " (virtual)" : "");
    }

    private static String capitalize(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /**
     * Logged, not thrown: at the runtime's end CPython still had subinterpreters, so it was left running rather than
     * finalized ({@code Py_FinalizeEx} would abort the process).
     */
    public static String subinterpretersLeft(List<Long> ids) {
        return "Tether: CPython still has subinterpreter(s) " + ids + " at the runtime's end; CPython is left running"
                + " instead of being finalized (Py_FinalizeEx would abort the process with \"remaining"
                + " subinterpreters\"); atexit handlers of the main interpreter did not run. Please report this.";
    }

}
