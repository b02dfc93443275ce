package dev.tether.internal.bridge;

/**
 * A Python exception as the bridge read it, before the public layer turns it into a {@code PythonException}.
 *
 * @param type      the type name, qualified with its module unless builtin
 * @param message   {@code str(exception)}, possibly empty
 * @param traceback the formatted traceback; possibly empty
 * @param exitCode  for {@code SystemExit}, the status CPython would exit with; otherwise null
 * @param javaCause the Java throwable the exception started as (it came from a Java callable), or null
 * @param cause     the chained Python exception ({@code __cause__}, else unsuppressed {@code __context__}), or null
 * @param hint      Tether's explanation of what to do, for errors it recognizes (see {@code Failures.pythonHint}),
 *                  or null
 * @param exception a new reference to the exception object, or null
 * @param note      Tether's explanation, appended to the Java message only (never to Python's), or null
 */
public record PythonError(String type, String message, String traceback, Integer exitCode, Throwable javaCause,
                          PythonError cause, Ref exception, String hint) {}
