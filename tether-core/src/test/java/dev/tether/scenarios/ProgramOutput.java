package dev.tether.scenarios;

import dev.tether.Interpreter;
import dev.tether.InterpreterConfig;
import dev.tether.PythonRuntime;
import dev.tether.testing.Fixtures;
import dev.tether.testing.Outcome;
import dev.tether.testing.PythonInstall;
import dev.tether.testing.Scenario;
import dev.tether.testing.ScenarioRunner;
import dev.tether.testing.Verdicts;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Python's program output. {@code routed}: sys.stdout/sys.stderr of every interpreter to Java streams, 10 Python
 * threads and 10 Java threads writing 1 000 lines each into one stream (plus 4 threads of an isolated and 2 of a
 * legacy subinterpreter): every line once, whole, each thread's in order; the binary layer, partial lines, stderr,
 * the logging bridge, and {@code runpy.run_module('json.tool')} followed by a print. {@code exit}: output written
 * just before {@code System.exit} reaches the Java stream. {@code default}: Python's and Java's lines on the
 * process's standard output come out in the order they were written.
 */
public final class ProgramOutput extends Scenario {
    static final int THREADS = 10;
    static final int LINES = 1_000;
    static final int SUB_THREADS = 4;
    static final int LEGACY_THREADS = 2;
    /** Single checks of {@link #routed}, each counted once. */
    static final int ROUTED_CHECKS = 10;
    /** Alternations of Java and Python lines in {@link #defaults}. */
    static final int ALTERNATIONS = 50;

    /** A stream whose writes are atomic (as a FileOutputStream's are for one line), collecting what it got. */
    static final class Collector extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            bytes.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    private boolean exitWithHooks;

    @Override
    protected boolean exitRunsShutdownHooks() {
        return exitWithHooks;
    }

    @Override
    protected void run(String[] args) throws Exception {
        switch (args[0]) {
            case "routed" -> routed(Path.of(args[1]));
            case "exit" -> exit(Path.of(args[1]));
            default -> defaults();
        }
    }

    private void routed(Path json) throws Exception {
        Collector out = new Collector();
        Collector err = new Collector();
        ConcurrentLinkedQueue<LogRecord> records = new ConcurrentLinkedQueue<>();
        Logger.getLogger("").addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        });
        PythonRuntime python = PythonRuntime.builder().stdout(out).stderr(err).forwardLogging(true).start();
        Interpreter main = python.mainInterpreter();
        Interpreter sub = python.newInterpreter();
        Interpreter legacy = python.newInterpreter(InterpreterConfig.legacy());
        String writer = """
                import threading
                def lines(tag, n, count):
                    for i in range(count):
                        print('%s%d %d' % (tag, n, i))
                def start(tag, threads, count):
                    ts = [threading.Thread(target=lines, args=(tag, n, count)) for n in range(threads)]
                    for t in ts: t.start()
                    return ts
                """;
        for (Interpreter i : List.of(main, sub, legacy)) {
            i.run(ts -> ts.exec(writer));
        }
        PrintStream javaOut = new PrintStream(out, true, StandardCharsets.UTF_8);
        List<Thread> javaThreads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int n = t;
            javaThreads.add(Thread.ofPlatform().unstarted(() -> {
                for (int i = 0; i < LINES; i++) {
                    javaOut.println("J" + n + " " + i);
                }
            }));
        }
        main.run(ts -> ts.exec("started = start('P', " + THREADS + ", " + LINES + ")"));
        sub.run(ts -> ts.exec("started = start('S', " + SUB_THREADS + ", " + LINES + ")"));
        legacy.run(ts -> ts.exec("started = start('L', " + LEGACY_THREADS + ", " + LINES + ")"));
        javaThreads.forEach(Thread::start);
        for (Thread t : javaThreads) {
            t.join();
        }
        for (Interpreter i : List.of(main, sub, legacy)) {
            i.run(ts -> ts.exec("for t in started: t.join()"));
        }
        checkLines(out.text());
        main.run(ts -> ts.exec("""
                import sys, logging, runpy
                sys.stdout.buffer.write(b'bytes line\\n')
                print('err line', file=sys.stderr)
                sys.stderr.buffer.write(b'raw err\\n')
                print('partial', end='')
                sys.stdout.flush()
                print(' done')
                logging.getLogger('app.orders').warning('order %s', 42)
                logging.getLogger('app').info('info message')
                logging.getLogger('app').debug('debug message')
                try:
                    1 / 0
                except ZeroDivisionError:
                    logging.getLogger('app').exception('boom')
                saved = sys.argv
                sys.argv = ['json.tool', 'JSON_FILE']
                try:
                    runpy.run_module('json.tool', run_name='__main__')
                except SystemExit:
                    pass
                sys.argv = saved
                print('after json.tool', sys.stdout.closed)
                print('tail without newline', end='')
                """.replace("JSON_FILE", json.toString())));
        python.close();
        String text = out.text();
        check(text.contains("\nbytes line\n"), "sys.stdout.buffer");
        check(err.text().contains("err line\n") && err.text().contains("raw err\n"), "sys.stderr: " + err.text());
        check(text.contains("\npartial done\n"), "a flushed partial line");
        check(text.contains("\"answer\": 42"), "json.tool's output");
        check(text.contains("\nafter json.tool False\n"), "a print after json.tool closed sys.stdout");
        check(text.endsWith("tail without newline"), "the last partial line, flushed at close");
        checkLog(records, "app.orders", java.util.logging.Level.WARNING, "order 42");
        checkLog(records, "app", java.util.logging.Level.INFO, "info message");
        check(records.stream().noneMatch(r -> r.getMessage().contains("debug message")), "debug below JUL's INFO");
        check(records.stream().anyMatch(r -> r.getLoggerName().equals("app") && r.getLevel()
                == java.util.logging.Level.SEVERE && r.getMessage().contains("ZeroDivisionError")), "exception()");
        count("checks", ROUTED_CHECKS);
    }

    /** Every line once, each thread's in order, nothing mixed. */
    private void checkLines(String text) {
        Map<String, Integer> next = new HashMap<>();
        int lines = 0;
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split(" ");
            check(parts.length == 2 && parts[0].matches("[JPSL]\\d+") && parts[1].matches("\\d+"), "mixed: " + line);
            int i = Integer.parseInt(parts[1]);
            int expected = next.getOrDefault(parts[0], 0);
            check(i == expected, parts[0] + ": line " + i + " where " + expected + " was due");
            next.put(parts[0], i + 1);
            lines++;
        }
        count("lines", lines);
        check(next.values().stream().allMatch(n -> n == LINES), "a thread's lines are missing: " + next);
    }

    private void checkLog(ConcurrentLinkedQueue<LogRecord> records, String name, java.util.logging.Level level,
                          String message) {
        check(records.stream().anyMatch(r -> r.getLoggerName().equals(name) && r.getLevel() == level
                && r.getMessage().equals(message)), "log record " + name + " " + level + " " + message);
    }

    /** Output written just before System.exit: the shutdown hook closes the runtime, which flushes it. */
    private void exit(Path file) throws Exception {
        OutputStream out = new FileOutputStream(file.toFile());
        PythonRuntime python = PythonRuntime.builder().stdout(out).start();
        python.mainInterpreter().run(ts -> ts.exec("print('before exit')\nprint('no newline', end='')"));
        exitWithHooks = true;
        count("checks");
    }

    /** The process's own streams: Java's and Python's lines in the order written. */
    private void defaults() {
        PythonRuntime python = PythonRuntime.start();
        Interpreter sub = python.newInterpreter();
        int seq = 0;
        for (int i = 0; i < ALTERNATIONS; i++) {
            System.out.println("@seq " + seq++);
            int s = seq++;
            (i % 2 == 0 ? python.mainInterpreter() : sub).run(ts -> ts.exec("print('@seq " + s + "')"));
        }
        python.close();
        count("checks");
    }

    // ---- the suites ---------------------------------------------------------------------------------------------

    /** Runs and judges the three modes. */
    public static void suite(PythonInstall python) {
        Path dir = Fixtures.folder("tether-output-");
        Path json = Fixtures.write(dir.resolve("in.json"), "{\"answer\": 42}");
        Outcome routed = ScenarioRunner.run(python, ProgramOutput.class, Duration.ofMinutes(3), "routed",
                json.toString());
        Verdicts.clean(routed);
        Verdicts.require(routed.count("checks") == ROUTED_CHECKS, "checks", routed);
        long lines = (long) LINES * (2 * THREADS + SUB_THREADS + LEGACY_THREADS);
        Verdicts.require(routed.count("lines") == lines, "expected " + lines + " lines", routed);

        Path file = dir.resolve("exit.txt");
        Outcome exit = ScenarioRunner.run(python, ProgramOutput.class, Duration.ofMinutes(1), "exit", file.toString());
        Verdicts.clean(exit);
        String written;
        try {
            written = Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Verdicts.require(written.equals("before exit\nno newline"), "lost before System.exit: '" + written + "'", exit);

        Outcome defaults = ScenarioRunner.run(python, ProgramOutput.class, Duration.ofMinutes(1), "default");
        Verdicts.clean(defaults);
        int expected = 0;
        for (String line : defaults.output().split("\n")) {
            if (line.startsWith("@seq ")) {
                Verdicts.require(Integer.parseInt(line.substring(5).trim()) == expected, "out of order at " + line,
                        defaults);
                expected++;
            }
        }
        Verdicts.require(expected == 2 * ALTERNATIONS, "lines missing: " + expected, defaults);
    }
}
