package dev.tether.internal.capi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tells, without taking a GIL, whether CPython may have pending calls for its main thread (F-PENDING-CALLS-FLAG):
 * the main thread then attaches and runs them; otherwise it stays off the GIL, so that looking every few
 * milliseconds costs the threads running Python nothing.
 *
 * <p>Where CPython keeps that state is private and moves between versions, so it is found at start-up rather than
 * written down per version: with the main thread attached, it snapshots the memory that holds it, queues a no-op
 * pending call, snapshots again, runs it, snapshots a third time, three times over. The 32-bit words that read 0,
 * non-zero, 0 every time are the flags (the pending-call count or flag, and on some versions the eval breaker). The
 * memory is {@code _PyRuntime} on 3.12+ (main-thread pending calls are the runtime's there) and the first
 * {@link #INTERPRETER_BYTES} of each interpreter on 3.9-3.11 (each interpreter has its own queue, served by the main
 * thread only).
 *
 * <p>Words that a thread waiting for the GIL sets as well (the eval breaker, on a drop request) are left out
 * ({@link #withoutWordsSetNow}). A flag can still be set for other reasons: a word still
 * non-zero right after the pending calls ran is disarmed until it reads 0 again or {@link #DISARMED_NANOS} passed,
 * so it does not make the main thread take the GIL every time it looks. (The real flag can be non-zero then too,
 * for a call queued meanwhile: the bound keeps that call's wait short.) Main thread only.
 */
public final class PendingCallsProbe {
    /** Bytes of an interpreter state read on 3.9-3.11: its {@code ceval} state lies in the first few hundred. */
    static final long INTERPRETER_BYTES = 1024;
    /** Bytes of {@code _PyRuntime} read on 3.12+ when its symbol size is unknown. */
    static final long RUNTIME_BYTES_DEFAULT = 16 * 1024;
    /** At most this much of {@code _PyRuntime} is read (3.12's is 450 KiB). */
    static final long RUNTIME_BYTES_MAX = 1024 * 1024;
    private static final int ROUNDS = 3;
    /** How long a word that stayed set after the pending calls ran is ignored at most. */
    static final long DISARMED_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(20);

    private static final MemorySegment NO_OP = noOpCallback();

    /** Whether the words are relative to each interpreter (3.9-3.11) or absolute in {@code _PyRuntime}. */
    private final boolean perInterpreter;
    private final MemorySegment runtime;
    private final long[] offsets;
    /** Per interpreter address (or 0 for the runtime), per word: 0 if armed, else when it was disarmed. */
    private final Map<Long, long[]> disarmed = new HashMap<>();

    private PendingCallsProbe(boolean perInterpreter, MemorySegment runtime, long[] offsets) {
        this.perInterpreter = perInterpreter;
        this.runtime = runtime;
        this.offsets = offsets;
    }

    /**
     * Finds the flags. The calling thread must be CPython's main thread, attached to the main interpreter, with no
     * pending call queued by anyone else yet (start-up).
     *
     * @return the probe, or null if no flag was found (then the caller looks by taking the GIL)
     */
    public static PendingCallsProbe discover(int minor) {
        boolean perInterpreter = minor <= 11;
        MemorySegment region = perInterpreter
                ? CApi.PyInterpreterState_Main().reinterpret(INTERPRETER_BYTES)
                : LibPython.find("_PyRuntime").map(r -> r.reinterpret(runtimeBytes())).orElse(null);
        if (region == null || CApi.Py_MakePendingCalls() != 0) {
            CApi.PyErr_Clear();
            return null;
        }
        List<Long> candidates = null;
        for (int round = 0; round < ROUNDS; round++) {
            int[] before = words(region);
            if (CApi.Py_AddPendingCall(NO_OP, MemorySegment.NULL) != 0) {
                return null;
            }
            int[] queued = words(region);
            CApi.Py_MakePendingCalls();
            int[] after = words(region);
            List<Long> found = new ArrayList<>();
            for (int i = 0; i < before.length; i++) {
                if (before[i] == 0 && queued[i] != 0 && after[i] == 0) {
                    found.add(i * 4L);
                }
            }
            if (candidates == null) {
                candidates = found;
            } else {
                candidates.retainAll(found);
            }
        }
        if (candidates.isEmpty()) {
            return null;
        }
        return new PendingCallsProbe(perInterpreter, perInterpreter ? null : region,
                candidates.stream().mapToLong(Long::longValue).toArray());
    }

    /**
     * Drops the words that are set now, while a thread waits for the GIL the caller holds (a GIL drop request sets
     * the eval breaker, not the queue's count). The caller must be attached as for {@link #discover}.
     *
     * @return this, or null if no word is left
     */
    public PendingCallsProbe withoutWordsSetNow() {
        MemorySegment base = perInterpreter ? CApi.PyInterpreterState_Main().reinterpret(INTERPRETER_BYTES) : runtime;
        long[] kept = java.util.Arrays.stream(offsets).filter(o -> base.get(JAVA_INT, o) == 0).toArray();
        return kept.length == 0 ? null : new PendingCallsProbe(perInterpreter, runtime, kept);
    }

    /** Whether {@code interpreter} (its {@code PyInterpreterState *}, alive) may have pending calls now. */
    public boolean due(MemorySegment interpreter) {
        MemorySegment base = base(interpreter);
        long[] off = disarmed(base);
        long now = System.nanoTime();
        boolean due = false;
        for (int i = 0; i < offsets.length; i++) {
            int value = base.get(JAVA_INT, offsets[i]);
            if (value == 0 || (off[i] != 0 && now - off[i] >= DISARMED_NANOS)) {
                off[i] = 0;
            }
            if (value != 0 && off[i] == 0) {
                due = true;
            }
        }
        return due;
    }

    /** After the pending calls ran: disarms the words still set (for a while: see the class comment). */
    public void ran(MemorySegment interpreter) {
        MemorySegment base = base(interpreter);
        long[] off = disarmed(base);
        long now = System.nanoTime();
        for (int i = 0; i < offsets.length; i++) {
            if (base.get(JAVA_INT, offsets[i]) != 0) {
                off[i] = now == 0 ? 1 : now;
            }
        }
    }

    /** Forgets an interpreter that is about to end. */
    public void forget(MemorySegment interpreter) {
        disarmed.remove(interpreter.address());
    }

    /** Whether each interpreter has its own pending calls for the main thread (3.9-3.11). */
    public boolean perInterpreter() {
        return perInterpreter;
    }

    /** For diagnostics: where the flags were found. */
    public String describe() {
        StringBuilder sb = new StringBuilder(perInterpreter ? "interpreter state +" : "_PyRuntime +");
        for (long offset : offsets) {
            sb.append(' ').append(offset);
        }
        return sb.toString();
    }

    private MemorySegment base(MemorySegment interpreter) {
        return perInterpreter ? interpreter.reinterpret(INTERPRETER_BYTES) : runtime;
    }

    private long[] disarmed(MemorySegment base) {
        return disarmed.computeIfAbsent(perInterpreter ? base.address() : 0L, k -> new long[offsets.length]);
    }

    private static long runtimeBytes() {
        return Math.min(RUNTIME_BYTES_MAX, LibPython.symbolSize("_PyRuntime").orElse(RUNTIME_BYTES_DEFAULT)) & ~3L;
    }

    private static int[] words(MemorySegment region) {
        return region.toArray(JAVA_INT);
    }

    private static MemorySegment noOpCallback() {
        try {
            var target = MethodHandles.lookup().findStatic(PendingCallsProbe.class, "noOp",
                    MethodType.methodType(int.class, MemorySegment.class));
            return LibPython.linker().upcallStub(target, FunctionDescriptor.of(JAVA_INT, ADDRESS), Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The pending call queued while looking for the flags: does nothing, never throws (F-UPCALL-NO-THROW). */
    private static int noOp(MemorySegment arg) {
        return 0;
    }
}
