package dev.tether.internal.protocol;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** Interpreter records for pure-Java unit tests: no CPython behind them, so nothing may attach to them. */
final class Interpreters {
    private Interpreters() {}

    /** A lifecycle that refuses everything a unit test must not reach. */
    static final Lifecycle NONE = new Lifecycle() {
        @Override
        public List<String> interrupt(InterpreterImpl interpreter, long[] idents) {
            throw new UnsupportedOperationException("no CPython in a unit test");
        }

        @Override
        public void end(InterpreterImpl interpreter, long deadline, Duration grace) {
            throw new UnsupportedOperationException("no CPython in a unit test");
        }

        @Override
        public List<InterpreterImpl> interpreters() {
            return List.of();
        }

        @Override
        public <T> T onCarrier(InterpreterImpl interpreter, Callable<T> task) {
            throw new UnsupportedOperationException("no CPython in a unit test");
        }

        @Override
        public InterpreterImpl mainInterpreter() {
            throw new UnsupportedOperationException("no CPython in a unit test");
        }

        @Override
        public void resumeEnd(InterpreterImpl interpreter) {
            throw new UnsupportedOperationException("no CPython in a unit test");
        }

        @Override
        public void executeOnCarrier(Runnable task) {
            throw new UnsupportedOperationException("no CPython in a unit test");
        }

        @Override
        public void closeRuntime(Duration timeout) {
            throw new UnsupportedOperationException("no CPython in a unit test");
        }
    };

    /** Subinterpreter {@code id} of a 3.{@code minor} runtime. */
    static InterpreterImpl sub(long id, int minor) {
        return new InterpreterImpl(id, false, minor >= 12, MemorySegment.NULL, MemorySegment.NULL,
                RuntimeFacts.of(minor, false), NONE);
    }
}
