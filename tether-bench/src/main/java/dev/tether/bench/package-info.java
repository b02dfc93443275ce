/**
 * JMH benchmarks of attaching Java threads to CPython through Tether, next to raw C-API baselines.
 *
 * <p>The benchmarks run on the class path, so they may call the internal binding class
 * {@link dev.tether.internal.capi.CApi} directly for the baselines. Every forked JVM starts one
 * {@link dev.tether.PythonRuntime} ({@link dev.tether.bench.PythonState}) and needs
 * {@code --enable-native-access=ALL-UNNAMED}, which each benchmark's {@code @Fork} appends. The CPython is found as
 * {@link dev.tether.PythonRuntime#start()} finds it; the forked JVMs inherit the launcher's {@code -D} options, so
 * {@code java -Dtether.python.library=... -jar benchmarks.jar} selects a version. See {@code docs/performance.md}.
 *
 * <h2>Thread states and JMH threads</h2>
 * A thread-scoped state's {@code @Setup(Level.Trial)} runs on the worker thread that uses it, and JMH keeps its
 * worker threads for a whole trial; the raw baselines rely on both (a thread state is created, attached and deleted
 * on its owner thread), and check it on every iteration. JMH forks a fresh JVM per benchmark method, so what one
 * benchmark leaves on a thread (Tether's cached thread state, a raw one) never reaches another.
 */
package dev.tether.bench;
