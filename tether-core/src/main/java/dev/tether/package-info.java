/**
 * Tether embeds CPython in the JVM and lets any Java thread attach to a Python interpreter, run Python, and detach,
 * with the guarantees PEP 788 gave C code in CPython 3.15, on every CPython from 3.9 to 3.15.
 *
 * <h2 id="guarantees">Guarantees</h2>
 * <ul>
 *   <li>Attaching never crashes, hangs or kills the thread: {@link dev.tether.ThreadState#ensure} succeeds or
 *       throws a {@link dev.tether.ThreadStateException} with an {@link dev.tether.ErrorCode}.</li>
 *   <li>The interpreter is always explicit, and {@link dev.tether.Interpreter} handles never dangle: after the
 *       interpreter is closed every use is refused with {@code INTERPRETER_CLOSED}.</li>
 *   <li>It speaks of thread states, not "the GIL", and is right on free-threaded builds too.</li>
 *   <li>Nesting, switching between interpreters and release order are handled and checked.</li>
 *   <li>Closing is graceful: new attachments are refused, work in flight finishes, then CPython finalizes.</li>
 * </ul>
 *
 * <h2 id="start">Getting started</h2>
 * {@snippet class=dev.tether.snippets.ApiSnippets region=start}
 * }
 *
 * <h2 id="nulls">Null arguments</h2>
 * Unless a method says otherwise, passing {@code null} to any method of this package throws a
 * {@link java.lang.NullPointerException} naming the parameter, before anything else happens.
 *
 * <h2 id="native-access">Native access</h2>
 * Tether calls libpython through the Foreign Function &amp; Memory API. Run the JVM with
 * {@code --enable-native-access=dev.tether} on the module path, or {@code --enable-native-access=ALL-UNNAMED} on the
 * class path; without it the JDK prints a warning (and future JDKs refuse).
 */
package dev.tether;
