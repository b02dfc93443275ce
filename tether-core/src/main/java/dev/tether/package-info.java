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
 *
 * <h2 id="conventions">How the types are documented</h2>
 * Each type that has a lifetime describes it under <b>Lifecycle</b> ({@code #lifecycle}), which threads may use it
 * under <b>Thread safety</b> ({@code #thread-safety}), and what it throws under <b>Errors</b> ({@code #errors}).
 * Every exception Tether throws carries an {@link dev.tether.ErrorCode}.
 *
 * <h2 id="closing">Closing</h2>
 * <table class="striped">
 *   <caption>What each {@code close()} does</caption>
 *   <thead><tr><th>close() of</th><th>Idempotent</th><th>Thread</th><th>Work in flight</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@link dev.tether.PythonRuntime}</td><td>yes</td><td>any not attached</td>
 *         <td>waits (with a timeout: interrupts, then gives up naming it); closes every interpreter</td></tr>
 *     <tr><td>{@link dev.tether.Interpreter}</td><td>yes</td><td>any not attached to it</td>
 *         <td>waits for attachments, guards and Python threads (with a timeout: interrupts, then gives up)</td></tr>
 *     <tr><td>{@link dev.tether.ThreadState}</td><td>no: {@code ALREADY_RELEASED}</td><td>the owner only</td>
 *         <td>releases this attachment, innermost first ({@code RELEASE_OUT_OF_ORDER} otherwise)</td></tr>
 *     <tr><td>{@link dev.tether.InterpreterGuard}</td><td>no: {@code ALREADY_RELEASED}</td><td>any</td>
 *         <td>lets a waiting close proceed</td></tr>
 *     <tr><td>{@link dev.tether.PyObject}</td><td>yes</td><td>any, attached or not</td>
 *         <td>never blocks; a call in flight keeps the object until it returns</td></tr>
 *     <tr><td>{@link dev.tether.PyBuffer}</td><td>yes</td><td>any</td>
 *         <td>the segment becomes inaccessible at once; the exporter is released</td></tr>
 *   </tbody>
 * </table>
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
