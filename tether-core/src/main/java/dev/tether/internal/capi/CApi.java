package dev.tether.internal.capi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.invoke.MethodHandle;

/**
 * Every CPython C-API function and data symbol Tether uses, bound once through FFM: a flat table, grouped by the
 * header that declares each function in CPython (3.14's {@code Include/}), so a reader finds it where CPython does.
 *
 * <p>This is the only class that calls into libpython. Each {@code private static final MethodHandle} is named
 * exactly after its C function (so the JIT treats it as a constant), and the public static method of the same name
 * invokes it. The class must not be initialized before {@link LibPython#load} succeeded; binding fails then with
 * the name of the missing function. Only functions something calls are bound: each is a {@code dlsym} at start-up
 * and one more way to fail on an unusual build.
 *
 * <p>Only exported functions exist: macros and inline functions ({@code Py_INCREF}, {@code PyThreadState_GET},
 * {@code Py_TYPE}) are not callable, so their exported equivalents are used. Functions that exist only in some
 * versions are {@code null} where absent; callers choose through {@code has...()}. Pointers are returned as
 * zero-length segments; the Python reference semantics (new or borrowed) are the C API's and noted where they
 * matter.
 */
@SuppressWarnings("checkstyle:MethodName")
public final class CApi {
    private CApi() {}

    private static final Linker LINKER = LibPython.linker();

    // ---- pylifecycle.h, cpython/pylifecycle.h: starting, ending and versions -------------------------------------

    private static final MethodHandle Py_GetVersion = bind("Py_GetVersion", FunctionDescriptor.of(ADDRESS));
    public static String Py_GetVersion() {
        try { return cString((MemorySegment) Py_GetVersion.invokeExact()); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle Py_IsInitialized = bind("Py_IsInitialized", FunctionDescriptor.of(JAVA_INT));
    public static int Py_IsInitialized() {
        try { return (int) Py_IsInitialized.invokeExact(); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle Py_InitializeEx = bind("Py_InitializeEx", FunctionDescriptor.ofVoid(JAVA_INT));
    public static void Py_InitializeEx(int initsigs) {
        try { Py_InitializeEx.invokeExact(initsigs); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle Py_FinalizeEx = bind("Py_FinalizeEx", FunctionDescriptor.of(JAVA_INT));
    public static int Py_FinalizeEx() {
        try { return (int) Py_FinalizeEx.invokeExact(); } catch (Throwable t) { throw fail(t); }
    }

    /** Deprecated since 3.11 but exported through 3.15; wide string kept alive by the caller. */
    private static final MethodHandle Py_SetPythonHome = optional("Py_SetPythonHome",
            FunctionDescriptor.ofVoid(ADDRESS));
    public static void Py_SetPythonHome(MemorySegment home) {
        try { Py_SetPythonHome.invokeExact(home); } catch (Throwable t) { throw fail(t); }
    }

    /** Deprecated since 3.11 but exported through 3.15; wide string kept alive by the caller. */
    private static final MethodHandle Py_SetProgramName = optional("Py_SetProgramName",
            FunctionDescriptor.ofVoid(ADDRESS));
    public static void Py_SetProgramName(MemorySegment name) {
        try { Py_SetProgramName.invokeExact(name); } catch (Throwable t) { throw fail(t); }
    }

    /** 3.9-3.11: shared GIL; exits the process on failure (CPython's behaviour, nothing to catch). */
    private static final MethodHandle Py_NewInterpreter = bind("Py_NewInterpreter", FunctionDescriptor.of(ADDRESS));
    public static MemorySegment Py_NewInterpreter() {
        try { return (MemorySegment) Py_NewInterpreter.invokeExact(); } catch (Throwable t) { throw fail(t); }
    }

    /**
     * Returns the {@code PyStatus} (allocated with {@code allocator}); the new thread state goes to {@code out}.
     * 3.12+: returns {@code PyStatus} by value.
     */
    private static final MethodHandle Py_NewInterpreterFromConfig = optional("Py_NewInterpreterFromConfig",
            FunctionDescriptor.of(Layouts.PY_STATUS, ADDRESS, ADDRESS));
    public static MemorySegment Py_NewInterpreterFromConfig(SegmentAllocator allocator, MemorySegment out,
                                                            MemorySegment config) {
        try {
            return (MemorySegment) Py_NewInterpreterFromConfig.invokeExact(allocator, out, config);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final MethodHandle Py_EndInterpreter = bind("Py_EndInterpreter", FunctionDescriptor.ofVoid(ADDRESS));
    public static void Py_EndInterpreter(MemorySegment tstate) {
        try { Py_EndInterpreter.invokeExact(tstate); } catch (Throwable t) { throw fail(t); }
    }

    // ---- cpython/initconfig.h: PEP 741 initialization (3.14+) ----------------------------------------------------

    private static final MethodHandle PyInitConfig_Create = optional("PyInitConfig_Create",
            FunctionDescriptor.of(ADDRESS));
    public static MemorySegment PyInitConfig_Create() {
        try { return (MemorySegment) PyInitConfig_Create.invokeExact(); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyInitConfig_Free = optional("PyInitConfig_Free",
            FunctionDescriptor.ofVoid(ADDRESS));
    public static void PyInitConfig_Free(MemorySegment config) {
        try { PyInitConfig_Free.invokeExact(config); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyInitConfig_SetInt = optional("PyInitConfig_SetInt",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    public static int PyInitConfig_SetInt(MemorySegment config, MemorySegment name, long value) {
        try {
            return (int) PyInitConfig_SetInt.invokeExact(config, name, value);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final MethodHandle PyInitConfig_SetStr = optional("PyInitConfig_SetStr",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    public static int PyInitConfig_SetStr(MemorySegment config, MemorySegment name, MemorySegment value) {
        try {
            return (int) PyInitConfig_SetStr.invokeExact(config, name, value);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final MethodHandle PyInitConfig_GetError = optional("PyInitConfig_GetError",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    public static int PyInitConfig_GetError(MemorySegment config, MemorySegment messageOut) {
        try {
            return (int) PyInitConfig_GetError.invokeExact(config, messageOut);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final MethodHandle Py_InitializeFromInitConfig = optional("Py_InitializeFromInitConfig",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    public static int Py_InitializeFromInitConfig(MemorySegment config) {
        try { return (int) Py_InitializeFromInitConfig.invokeExact(config); } catch (Throwable t) { throw fail(t); }
    }

    // ---- pystate.h, cpython/pystate.h: thread states and interpreters --------------------------------------------

    private static final MethodHandle PyThreadState_New = bind("PyThreadState_New",
            FunctionDescriptor.of(ADDRESS, ADDRESS));
    public static MemorySegment PyThreadState_New(MemorySegment interp) {
        try { return (MemorySegment) PyThreadState_New.invokeExact(interp); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyThreadState_Clear = bind("PyThreadState_Clear",
            FunctionDescriptor.ofVoid(ADDRESS));
    public static void PyThreadState_Clear(MemorySegment tstate) {
        try { PyThreadState_Clear.invokeExact(tstate); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyThreadState_Delete = bind("PyThreadState_Delete",
            FunctionDescriptor.ofVoid(ADDRESS));
    public static void PyThreadState_Delete(MemorySegment tstate) {
        try { PyThreadState_Delete.invokeExact(tstate); } catch (Throwable t) { throw fail(t); }
    }

    /** Deletes the current thread state and detaches it (releasing its GIL). */
    private static final MethodHandle PyThreadState_DeleteCurrent = bind("PyThreadState_DeleteCurrent",
            FunctionDescriptor.ofVoid());
    public static void PyThreadState_DeleteCurrent() {
        try { PyThreadState_DeleteCurrent.invokeExact(); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyThreadState_Swap = bind("PyThreadState_Swap",
            FunctionDescriptor.of(ADDRESS, ADDRESS));
    public static MemorySegment PyThreadState_Swap(MemorySegment tstate) {
        try { return (MemorySegment) PyThreadState_Swap.invokeExact(tstate); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyThreadState_Get = bind("PyThreadState_Get", FunctionDescriptor.of(ADDRESS));
    public static MemorySegment PyThreadState_Get() {
        try { return (MemorySegment) PyThreadState_Get.invokeExact(); } catch (Throwable t) { throw fail(t); }
    }

    /** 3.13+ name; {@code _PyThreadState_UncheckedGet} before. Thread-local only from 3.12 (F-CURRENT-IS-GIL-HOLDER). */
    private static final MethodHandle PyThreadState_GetUnchecked = firstOf(FunctionDescriptor.of(ADDRESS),
            "PyThreadState_GetUnchecked", "_PyThreadState_UncheckedGet");
    public static MemorySegment PyThreadState_GetUnchecked() {
        try { return (MemorySegment) PyThreadState_GetUnchecked.invokeExact(); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyThreadState_GetInterpreter = bind("PyThreadState_GetInterpreter",
            FunctionDescriptor.of(ADDRESS, ADDRESS));
    public static MemorySegment PyThreadState_GetInterpreter(MemorySegment tstate) {
        try {
            return (MemorySegment) PyThreadState_GetInterpreter.invokeExact(tstate);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** Schedules {@code exc} (a type) in the thread {@code ident} of the current interpreter; returns how many. */
    private static final MethodHandle PyThreadState_SetAsyncExc = bind("PyThreadState_SetAsyncExc",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS));
    public static int PyThreadState_SetAsyncExc(long ident, MemorySegment exc) {
        try { return (int) PyThreadState_SetAsyncExc.invokeExact(ident, exc); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyThreadState_Next = bind("PyThreadState_Next",
            FunctionDescriptor.of(ADDRESS, ADDRESS));
    public static MemorySegment PyThreadState_Next(MemorySegment tstate) {
        try { return (MemorySegment) PyThreadState_Next.invokeExact(tstate); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyGILState_GetThisThreadState = bind("PyGILState_GetThisThreadState",
            FunctionDescriptor.of(ADDRESS));
    public static MemorySegment PyGILState_GetThisThreadState() {
        try {
            return (MemorySegment) PyGILState_GetThisThreadState.invokeExact();
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** Raw PyGILState API: only for comparisons in benchmarks, never on Tether's own paths. */
    private static final MethodHandle PyGILState_Ensure = bind("PyGILState_Ensure", FunctionDescriptor.of(JAVA_INT));
    public static int PyGILState_Ensure() {
        try { return (int) PyGILState_Ensure.invokeExact(); } catch (Throwable t) { throw fail(t); }
    }

    /** Raw PyGILState API: only for comparisons in benchmarks, never on Tether's own paths. */
    private static final MethodHandle PyGILState_Release = bind("PyGILState_Release",
            FunctionDescriptor.ofVoid(JAVA_INT));
    public static void PyGILState_Release(int state) {
        try { PyGILState_Release.invokeExact(state); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyInterpreterState_Main = bind("PyInterpreterState_Main",
            FunctionDescriptor.of(ADDRESS));
    public static MemorySegment PyInterpreterState_Main() {
        try { return (MemorySegment) PyInterpreterState_Main.invokeExact(); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyInterpreterState_Head = bind("PyInterpreterState_Head",
            FunctionDescriptor.of(ADDRESS));
    public static MemorySegment PyInterpreterState_Head() {
        try { return (MemorySegment) PyInterpreterState_Head.invokeExact(); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyInterpreterState_Next = bind("PyInterpreterState_Next",
            FunctionDescriptor.of(ADDRESS, ADDRESS));
    public static MemorySegment PyInterpreterState_Next(MemorySegment interp) {
        try {
            return (MemorySegment) PyInterpreterState_Next.invokeExact(interp);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final MethodHandle PyInterpreterState_GetID = bind("PyInterpreterState_GetID",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    public static long PyInterpreterState_GetID(MemorySegment interp) {
        try { return (long) PyInterpreterState_GetID.invokeExact(interp); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyInterpreterState_ThreadHead = bind("PyInterpreterState_ThreadHead",
            FunctionDescriptor.of(ADDRESS, ADDRESS));
    public static MemorySegment PyInterpreterState_ThreadHead(MemorySegment interp) {
        try {
            return (MemorySegment) PyInterpreterState_ThreadHead.invokeExact(interp);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /**
     * Where the C stack of {@code tstate}'s thread lies, for CPython's stack-based recursion checks: 0, or -1 with
     * an exception set ({@code stack_size} too small). 3.14+ ({@code PyUnstable} API); null before.
     */
    private static final MethodHandle PyUnstable_ThreadState_SetStackProtection = optional(
            "PyUnstable_ThreadState_SetStackProtection", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    public static int PyUnstable_ThreadState_SetStackProtection(MemorySegment tstate, MemorySegment start, long size) {
        try {
            return (int) PyUnstable_ThreadState_SetStackProtection.invokeExact(tstate, start, size);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    // ---- pythread.h ----------------------------------------------------------------------------------------------

    private static final MethodHandle PyThread_get_thread_ident = bind("PyThread_get_thread_ident",
            FunctionDescriptor.of(JAVA_LONG));
    public static long PyThread_get_thread_ident() {
        try { return (long) PyThread_get_thread_ident.invokeExact(); } catch (Throwable t) { throw fail(t); }
    }

    // ---- ceval.h: attaching and evaluating -----------------------------------------------------------------------

    /** Detaches the current thread state and returns it. */
    private static final MethodHandle PyEval_SaveThread = bind("PyEval_SaveThread", FunctionDescriptor.of(ADDRESS));
    public static MemorySegment PyEval_SaveThread() {
        try { return (MemorySegment) PyEval_SaveThread.invokeExact(); } catch (Throwable t) { throw fail(t); }
    }

    /** Attaches {@code tstate}; blocks until its interpreter's GIL (if any) is ours. */
    private static final MethodHandle PyEval_RestoreThread = bind("PyEval_RestoreThread",
            FunctionDescriptor.ofVoid(ADDRESS));
    public static void PyEval_RestoreThread(MemorySegment tstate) {
        try { PyEval_RestoreThread.invokeExact(tstate); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyEval_EvalCode = bind("PyEval_EvalCode",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    public static MemorySegment PyEval_EvalCode(MemorySegment code, MemorySegment globals, MemorySegment locals) {
        try {
            return (MemorySegment) PyEval_EvalCode.invokeExact(code, globals, locals);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** Queues {@code func(arg)} for CPython's main thread; 0, or -1 if the queue is full. Needs no thread state. */
    private static final MethodHandle Py_AddPendingCall = bind("Py_AddPendingCall",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    public static int Py_AddPendingCall(MemorySegment func, MemorySegment arg) {
        try { return (int) Py_AddPendingCall.invokeExact(func, arg); } catch (Throwable t) { throw fail(t); }
    }

    /** Runs the pending calls (and signal handlers) due on the calling thread; -1 with an error set if one raised. */
    private static final MethodHandle Py_MakePendingCalls = bind("Py_MakePendingCalls",
            FunctionDescriptor.of(JAVA_INT));
    public static int Py_MakePendingCalls() {
        try { return (int) Py_MakePendingCalls.invokeExact(); } catch (Throwable t) { throw fail(t); }
    }

    /** Counts one level of C recursion on the current thread state; 0, or -1 with RecursionError set. */
    private static final MethodHandle Py_EnterRecursiveCall = bind("Py_EnterRecursiveCall",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    public static int Py_EnterRecursiveCall(MemorySegment where) {
        try { return (int) Py_EnterRecursiveCall.invokeExact(where); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle Py_LeaveRecursiveCall = bind("Py_LeaveRecursiveCall",
            FunctionDescriptor.ofVoid());
    public static void Py_LeaveRecursiveCall() {
        try { Py_LeaveRecursiveCall.invokeExact(); } catch (Throwable t) { throw fail(t); }
    }

    /** The current interpreter's recursion limit ({@code sys.getrecursionlimit()}). */
    private static final MethodHandle Py_GetRecursionLimit = bind("Py_GetRecursionLimit",
            FunctionDescriptor.of(JAVA_INT));
    public static int Py_GetRecursionLimit() {
        try { return (int) Py_GetRecursionLimit.invokeExact(); } catch (Throwable t) { throw fail(t); }
    }

    // ---- pythonrun.h, cpython/pythonrun.h: running source --------------------------------------------------------

    /** New reference, or NULL with an error set. */
    private static final MethodHandle PyRun_StringFlags = bind("PyRun_StringFlags",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    public static MemorySegment PyRun_StringFlags(MemorySegment code, int start, MemorySegment globals,
                                                  MemorySegment locals) {
        try {
            return (MemorySegment) PyRun_StringFlags.invokeExact(code, start, globals, locals, MemorySegment.NULL);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final MethodHandle Py_CompileString = bind("Py_CompileString",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
    public static MemorySegment Py_CompileString(MemorySegment code, MemorySegment filename, int start) {
        try {
            return (MemorySegment) Py_CompileString.invokeExact(code, filename, start);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    // ---- import.h, moduleobject.h --------------------------------------------------------------------------------

    /** Borrowed reference. */
    private static final MethodHandle PyImport_AddModule = bind("PyImport_AddModule",
            FunctionDescriptor.of(ADDRESS, ADDRESS));
    public static MemorySegment PyImport_AddModule(MemorySegment name) {
        try { return (MemorySegment) PyImport_AddModule.invokeExact(name); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyImport_ImportModule = bind("PyImport_ImportModule",
            FunctionDescriptor.of(ADDRESS, ADDRESS));
    public static MemorySegment PyImport_ImportModule(MemorySegment name) {
        try { return (MemorySegment) PyImport_ImportModule.invokeExact(name); } catch (Throwable t) { throw fail(t); }
    }

    /** Borrowed reference. */
    private static final MethodHandle PyModule_GetDict = bind("PyModule_GetDict",
            FunctionDescriptor.of(ADDRESS, ADDRESS));
    public static MemorySegment PyModule_GetDict(MemorySegment module) {
        try { return (MemorySegment) PyModule_GetDict.invokeExact(module); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyModule_New = bind("PyModule_New", FunctionDescriptor.of(ADDRESS, ADDRESS));
    public static MemorySegment PyModule_New(MemorySegment name) {
        try { return (MemorySegment) PyModule_New.invokeExact(name); } catch (Throwable t) { throw fail(t); }
    }

    // ---- object.h: references, attributes, comparison, types -----------------------------------------------------

    private static final MethodHandle Py_IncRef = bind("Py_IncRef", FunctionDescriptor.ofVoid(ADDRESS));
    public static void Py_IncRef(MemorySegment o) {
        try { Py_IncRef.invokeExact(o); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle Py_DecRef = bind("Py_DecRef", FunctionDescriptor.ofVoid(ADDRESS));
    public static void Py_DecRef(MemorySegment o) {
        try { Py_DecRef.invokeExact(o); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyObject_Str = bind("PyObject_Str", FunctionDescriptor.of(ADDRESS, ADDRESS));
    public static MemorySegment PyObject_Str(MemorySegment o) {
        try { return (MemorySegment) PyObject_Str.invokeExact(o); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyObject_Repr = bind("PyObject_Repr", FunctionDescriptor.of(ADDRESS, ADDRESS));
    public static MemorySegment PyObject_Repr(MemorySegment o) {
        try { return (MemorySegment) PyObject_Repr.invokeExact(o); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyObject_GetAttr = bind("PyObject_GetAttr",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    public static MemorySegment PyObject_GetAttr(MemorySegment o, MemorySegment name) {
        try { return (MemorySegment) PyObject_GetAttr.invokeExact(o, name); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyObject_GetAttrString = bind("PyObject_GetAttrString",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    public static MemorySegment PyObject_GetAttrString(MemorySegment o, MemorySegment name) {
        try {
            return (MemorySegment) PyObject_GetAttrString.invokeExact(o, name);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** A NULL value deletes the attribute. */
    private static final MethodHandle PyObject_SetAttr = bind("PyObject_SetAttr",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    public static int PyObject_SetAttr(MemorySegment o, MemorySegment name, MemorySegment value) {
        try { return (int) PyObject_SetAttr.invokeExact(o, name, value); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyObject_HasAttrString = bind("PyObject_HasAttrString",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    public static int PyObject_HasAttrString(MemorySegment o, MemorySegment name) {
        try { return (int) PyObject_HasAttrString.invokeExact(o, name); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyObject_RichCompareBool = bind("PyObject_RichCompareBool",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    public static int PyObject_RichCompareBool(MemorySegment a, MemorySegment b, int op) {
        try { return (int) PyObject_RichCompareBool.invokeExact(a, b, op); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyObject_Hash = bind("PyObject_Hash", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    public static long PyObject_Hash(MemorySegment o) {
        try { return (long) PyObject_Hash.invokeExact(o); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyCallable_Check = bind("PyCallable_Check",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    public static int PyCallable_Check(MemorySegment o) {
        try { return (int) PyCallable_Check.invokeExact(o); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyType_IsSubtype = bind("PyType_IsSubtype",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    public static int PyType_IsSubtype(MemorySegment a, MemorySegment b) {
        try { return (int) PyType_IsSubtype.invokeExact(a, b); } catch (Throwable t) { throw fail(t); }
    }

    // ---- object.h, objimpl.h: heap types (the exporter of Java memory) -------------------------------------------

    /** A new heap type from a {@code PyType_Spec} (3.9+: the buffer slots may be set). */
    private static final MethodHandle PyType_FromSpec = bind("PyType_FromSpec",
            FunctionDescriptor.of(ADDRESS, ADDRESS));
    public static MemorySegment PyType_FromSpec(MemorySegment spec) {
        try { return (MemorySegment) PyType_FromSpec.invokeExact(spec); } catch (Throwable t) { throw fail(t); }
    }

    /** A new instance of {@code type} (a new reference; increments the reference count of a heap type). */
    private static final MethodHandle PyType_GenericAlloc = bind("PyType_GenericAlloc",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG));
    public static MemorySegment PyType_GenericAlloc(MemorySegment type, long items) {
        try {
            return (MemorySegment) PyType_GenericAlloc.invokeExact(type, items);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** Frees memory of a non-GC object allocated by {@code PyType_GenericAlloc}. */
    private static final MethodHandle PyObject_Free = bind("PyObject_Free", FunctionDescriptor.ofVoid(ADDRESS));
    public static void PyObject_Free(MemorySegment p) {
        try { PyObject_Free.invokeExact(p); } catch (Throwable t) { throw fail(t); }
    }

    // ---- abstract.h, cpython/abstract.h, pybuffer.h: the object protocols ----------------------------------------

    /** New reference to the type of {@code o}. */
    private static final MethodHandle PyObject_Type = bind("PyObject_Type", FunctionDescriptor.of(ADDRESS, ADDRESS));
    public static MemorySegment PyObject_Type(MemorySegment o) {
        try { return (MemorySegment) PyObject_Type.invokeExact(o); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyObject_CallObject = bind("PyObject_CallObject",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    public static MemorySegment PyObject_CallObject(MemorySegment callable, MemorySegment args) {
        try {
            return (MemorySegment) PyObject_CallObject.invokeExact(callable, args);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** New reference, or NULL with an error set; {@code args} is a C array of {@code nargsf} borrowed references. */
    private static final MethodHandle PyObject_VectorcallDict = bind("PyObject_VectorcallDict",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    public static MemorySegment PyObject_VectorcallDict(MemorySegment callable, MemorySegment args, long nargsf,
                                                        MemorySegment kwargs) {
        try {
            return (MemorySegment) PyObject_VectorcallDict.invokeExact(callable, args, nargsf, kwargs);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final MethodHandle PyObject_GetItem = bind("PyObject_GetItem",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    public static MemorySegment PyObject_GetItem(MemorySegment o, MemorySegment key) {
        try { return (MemorySegment) PyObject_GetItem.invokeExact(o, key); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyObject_SetItem = bind("PyObject_SetItem",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    public static int PyObject_SetItem(MemorySegment o, MemorySegment key, MemorySegment value) {
        try { return (int) PyObject_SetItem.invokeExact(o, key, value); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyObject_DelItem = bind("PyObject_DelItem",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    public static int PyObject_DelItem(MemorySegment o, MemorySegment key) {
        try { return (int) PyObject_DelItem.invokeExact(o, key); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyObject_Size = bind("PyObject_Size", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    public static long PyObject_Size(MemorySegment o) {
        try { return (long) PyObject_Size.invokeExact(o); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyObject_GetIter = bind("PyObject_GetIter",
            FunctionDescriptor.of(ADDRESS, ADDRESS));
    public static MemorySegment PyObject_GetIter(MemorySegment o) {
        try { return (MemorySegment) PyObject_GetIter.invokeExact(o); } catch (Throwable t) { throw fail(t); }
    }

    /** New reference; NULL at the end (no error) or on error (error set). */
    private static final MethodHandle PyIter_Next = bind("PyIter_Next", FunctionDescriptor.of(ADDRESS, ADDRESS));
    public static MemorySegment PyIter_Next(MemorySegment iterator) {
        try { return (MemorySegment) PyIter_Next.invokeExact(iterator); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyObject_GetBuffer = bind("PyObject_GetBuffer",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    public static int PyObject_GetBuffer(MemorySegment o, MemorySegment view, int flags) {
        try { return (int) PyObject_GetBuffer.invokeExact(o, view, flags); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyBuffer_Release = bind("PyBuffer_Release", FunctionDescriptor.ofVoid(ADDRESS));
    public static void PyBuffer_Release(MemorySegment view) {
        try { PyBuffer_Release.invokeExact(view); } catch (Throwable t) { throw fail(t); }
    }

    /** Whether the object's type exports buffers (a function since 3.9). Runs no Python code. */
    private static final MethodHandle PyObject_CheckBuffer = bind("PyObject_CheckBuffer",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    public static int PyObject_CheckBuffer(MemorySegment o) {
        try { return (int) PyObject_CheckBuffer.invokeExact(o); } catch (Throwable t) { throw fail(t); }
    }

    /** {@code tp_flags} of a type object (a function since 3.2; {@code Py_TPFLAGS_HEAPTYPE} is {@code 1 << 9}). */
    private static final MethodHandle PyType_GetFlags = bind("PyType_GetFlags",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    public static long PyType_GetFlags(MemorySegment type) {
        try { return (long) PyType_GetFlags.invokeExact(type); } catch (Throwable t) { throw fail(t); }
    }

    /** New reference to {@code operator.index(o)} (an exact {@code int}), or NULL with {@code TypeError} set. */
    private static final MethodHandle PyNumber_Index = bind("PyNumber_Index", FunctionDescriptor.of(ADDRESS, ADDRESS));
    public static MemorySegment PyNumber_Index(MemorySegment o) {
        try { return (MemorySegment) PyNumber_Index.invokeExact(o); } catch (Throwable t) { throw fail(t); }
    }

    // ---- longobject.h, floatobject.h -----------------------------------------------------------------------------

    private static final MethodHandle PyLong_FromLongLong = bind("PyLong_FromLongLong",
            FunctionDescriptor.of(ADDRESS, JAVA_LONG));
    public static MemorySegment PyLong_FromLongLong(long value) {
        try { return (MemorySegment) PyLong_FromLongLong.invokeExact(value); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyLong_AsLongLongAndOverflow = bind("PyLong_AsLongLongAndOverflow",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS));
    public static long PyLong_AsLongLongAndOverflow(MemorySegment o, MemorySegment overflowOut) {
        try {
            return (long) PyLong_AsLongLongAndOverflow.invokeExact(o, overflowOut);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final MethodHandle PyLong_FromString = bind("PyLong_FromString",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
    public static MemorySegment PyLong_FromString(MemorySegment text, MemorySegment end, int base) {
        try {
            return (MemorySegment) PyLong_FromString.invokeExact(text, end, base);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final MethodHandle PyFloat_FromDouble = bind("PyFloat_FromDouble",
            FunctionDescriptor.of(ADDRESS, JAVA_DOUBLE));
    public static MemorySegment PyFloat_FromDouble(double value) {
        try { return (MemorySegment) PyFloat_FromDouble.invokeExact(value); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyFloat_AsDouble = bind("PyFloat_AsDouble",
            FunctionDescriptor.of(JAVA_DOUBLE, ADDRESS));
    public static double PyFloat_AsDouble(MemorySegment o) {
        try { return (double) PyFloat_AsDouble.invokeExact(o); } catch (Throwable t) { throw fail(t); }
    }

    // ---- unicodeobject.h, bytesobject.h --------------------------------------------------------------------------

    /** UTF-8 buffer owned by the str object; NULL with an error set for lone surrogates. */
    private static final MethodHandle PyUnicode_AsUTF8AndSize = bind("PyUnicode_AsUTF8AndSize",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    public static MemorySegment PyUnicode_AsUTF8AndSize(MemorySegment o, MemorySegment sizeOut) {
        try {
            return (MemorySegment) PyUnicode_AsUTF8AndSize.invokeExact(o, sizeOut);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final MethodHandle PyUnicode_DecodeUTF16 = bind("PyUnicode_DecodeUTF16",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
    public static MemorySegment PyUnicode_DecodeUTF16(MemorySegment data, long size, MemorySegment errors,
                                                      MemorySegment byteorder) {
        try {
            return (MemorySegment) PyUnicode_DecodeUTF16.invokeExact(data, size, errors, byteorder);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final MethodHandle PyUnicode_AsEncodedString = bind("PyUnicode_AsEncodedString",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    public static MemorySegment PyUnicode_AsEncodedString(MemorySegment o, MemorySegment encoding,
                                                          MemorySegment errors) {
        try {
            return (MemorySegment) PyUnicode_AsEncodedString.invokeExact(o, encoding, errors);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final MethodHandle PyBytes_FromStringAndSize = bind("PyBytes_FromStringAndSize",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG));
    public static MemorySegment PyBytes_FromStringAndSize(MemorySegment data, long size) {
        try {
            return (MemorySegment) PyBytes_FromStringAndSize.invokeExact(data, size);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final MethodHandle PyBytes_AsStringAndSize = bind("PyBytes_AsStringAndSize",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    public static int PyBytes_AsStringAndSize(MemorySegment o, MemorySegment bufferOut, MemorySegment sizeOut) {
        try {
            return (int) PyBytes_AsStringAndSize.invokeExact(o, bufferOut, sizeOut);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    // ---- tupleobject.h, listobject.h -----------------------------------------------------------------------------

    private static final MethodHandle PyTuple_New = bind("PyTuple_New", FunctionDescriptor.of(ADDRESS, JAVA_LONG));
    public static MemorySegment PyTuple_New(long size) {
        try { return (MemorySegment) PyTuple_New.invokeExact(size); } catch (Throwable t) { throw fail(t); }
    }

    /** Steals the reference to {@code item}, even on failure. Steals the reference to the item. */
    private static final MethodHandle PyTuple_SetItem = bind("PyTuple_SetItem",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
    public static int PyTuple_SetItem(MemorySegment tuple, long index, MemorySegment item) {
        try { return (int) PyTuple_SetItem.invokeExact(tuple, index, item); } catch (Throwable t) { throw fail(t); }
    }

    /** Borrowed reference. Borrowed reference. */
    private static final MethodHandle PyTuple_GetItem = bind("PyTuple_GetItem",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG));
    public static MemorySegment PyTuple_GetItem(MemorySegment tuple, long index) {
        try { return (MemorySegment) PyTuple_GetItem.invokeExact(tuple, index); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyTuple_Size = bind("PyTuple_Size", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    public static long PyTuple_Size(MemorySegment tuple) {
        try { return (long) PyTuple_Size.invokeExact(tuple); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyList_New = bind("PyList_New", FunctionDescriptor.of(ADDRESS, JAVA_LONG));
    public static MemorySegment PyList_New(long size) {
        try { return (MemorySegment) PyList_New.invokeExact(size); } catch (Throwable t) { throw fail(t); }
    }

    /** Steals the reference to {@code item}. Steals the reference to the item. */
    private static final MethodHandle PyList_SetItem = bind("PyList_SetItem",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
    public static int PyList_SetItem(MemorySegment list, long index, MemorySegment item) {
        try { return (int) PyList_SetItem.invokeExact(list, index, item); } catch (Throwable t) { throw fail(t); }
    }

    /** Borrowed reference. Borrowed reference. */
    private static final MethodHandle PyList_GetItem = bind("PyList_GetItem",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG));
    public static MemorySegment PyList_GetItem(MemorySegment list, long index) {
        try { return (MemorySegment) PyList_GetItem.invokeExact(list, index); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyList_Size = bind("PyList_Size", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    public static long PyList_Size(MemorySegment list) {
        try { return (long) PyList_Size.invokeExact(list); } catch (Throwable t) { throw fail(t); }
    }

    // ---- dictobject.h, setobject.h -------------------------------------------------------------------------------

    private static final MethodHandle PyDict_New = bind("PyDict_New", FunctionDescriptor.of(ADDRESS));
    public static MemorySegment PyDict_New() {
        try { return (MemorySegment) PyDict_New.invokeExact(); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyDict_SetItem = bind("PyDict_SetItem",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    public static int PyDict_SetItem(MemorySegment dict, MemorySegment key, MemorySegment value) {
        try { return (int) PyDict_SetItem.invokeExact(dict, key, value); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyDict_SetItemString = bind("PyDict_SetItemString",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    public static int PyDict_SetItemString(MemorySegment dict, MemorySegment key, MemorySegment value) {
        try { return (int) PyDict_SetItemString.invokeExact(dict, key, value); } catch (Throwable t) { throw fail(t); }
    }

    /** Borrowed references through the out-pointers. Borrowed references through the out-pointers. */
    private static final MethodHandle PyDict_Next = bind("PyDict_Next",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    public static int PyDict_Next(MemorySegment dict, MemorySegment pos, MemorySegment keyOut, MemorySegment valueOut) {
        try {
            return (int) PyDict_Next.invokeExact(dict, pos, keyOut, valueOut);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final MethodHandle PySet_New = bind("PySet_New", FunctionDescriptor.of(ADDRESS, ADDRESS));
    public static MemorySegment PySet_New(MemorySegment iterable) {
        try { return (MemorySegment) PySet_New.invokeExact(iterable); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PySet_Add = bind("PySet_Add", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    public static int PySet_Add(MemorySegment set, MemorySegment key) {
        try { return (int) PySet_Add.invokeExact(set, key); } catch (Throwable t) { throw fail(t); }
    }

    // ---- methodobject.h, pycapsule.h, classobject.h: Java callables and methods ------------------------------------

    private static final MethodHandle PyCFunction_NewEx = bind("PyCFunction_NewEx",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    public static MemorySegment PyCFunction_NewEx(MemorySegment def, MemorySegment self, MemorySegment module) {
        try {
            return (MemorySegment) PyCFunction_NewEx.invokeExact(def, self, module);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final MethodHandle PyCapsule_New = bind("PyCapsule_New",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    public static MemorySegment PyCapsule_New(MemorySegment pointer, MemorySegment name, MemorySegment destructor) {
        try {
            return (MemorySegment) PyCapsule_New.invokeExact(pointer, name, destructor);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final MethodHandle PyCapsule_GetPointer = bind("PyCapsule_GetPointer",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    public static MemorySegment PyCapsule_GetPointer(MemorySegment capsule, MemorySegment name) {
        try {
            return (MemorySegment) PyCapsule_GetPointer.invokeExact(capsule, name);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** A descriptor that binds {@code function} to instances like a Python function does (new reference). */
    private static final MethodHandle PyInstanceMethod_New = bind("PyInstanceMethod_New",
            FunctionDescriptor.of(ADDRESS, ADDRESS));
    public static MemorySegment PyInstanceMethod_New(MemorySegment function) {
        try {
            return (MemorySegment) PyInstanceMethod_New.invokeExact(function);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    // ---- weakrefobject.h, sliceobject.h ---------------------------------------------------------------------------

    /** A new weak reference to {@code o}; {@code callback} (or NULL) is called with it when {@code o} dies. */
    private static final MethodHandle PyWeakref_NewRef = bind("PyWeakref_NewRef",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    public static MemorySegment PyWeakref_NewRef(MemorySegment o, MemorySegment callback) {
        try { return (MemorySegment) PyWeakref_NewRef.invokeExact(o, callback); } catch (Throwable t) { throw fail(t); }
    }

    /** Start, stop and step of a slice object into three {@code Py_ssize_t}; -1 with an error set. */
    private static final MethodHandle PySlice_Unpack = bind("PySlice_Unpack",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    public static int PySlice_Unpack(MemorySegment slice, MemorySegment start, MemorySegment stop,
                                     MemorySegment step) {
        try {
            return (int) PySlice_Unpack.invokeExact(slice, start, stop, step);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** Clips unpacked slice bounds to a sequence of {@code length}; returns the slice's length. */
    private static final MethodHandle PySlice_AdjustIndices = bind("PySlice_AdjustIndices",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
    public static long PySlice_AdjustIndices(long length, MemorySegment start, MemorySegment stop, long step) {
        try {
            return (long) PySlice_AdjustIndices.invokeExact(length, start, stop, step);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    // ---- pyerrors.h: the error indicator and exceptions ----------------------------------------------------------

    /** Borrowed reference to the pending exception's type, or NULL. */
    /** Reports the raised exception through {@code sys.unraisablehook} and clears it ({@code obj} may be NULL). */
    private static final MethodHandle PyErr_WriteUnraisable = bind("PyErr_WriteUnraisable",
            FunctionDescriptor.ofVoid(ADDRESS));
    public static void PyErr_WriteUnraisable(MemorySegment obj) {
        try { PyErr_WriteUnraisable.invokeExact(obj); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyErr_Occurred = bind("PyErr_Occurred", FunctionDescriptor.of(ADDRESS));
    public static MemorySegment PyErr_Occurred() {
        try { return (MemorySegment) PyErr_Occurred.invokeExact(); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyErr_Clear = bind("PyErr_Clear", FunctionDescriptor.ofVoid());
    public static void PyErr_Clear() {
        try { PyErr_Clear.invokeExact(); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyErr_Fetch = bind("PyErr_Fetch",
            FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS));
    public static void PyErr_Fetch(MemorySegment type, MemorySegment value, MemorySegment traceback) {
        try { PyErr_Fetch.invokeExact(type, value, traceback); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyErr_NormalizeException = bind("PyErr_NormalizeException",
            FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS));
    public static void PyErr_NormalizeException(MemorySegment type, MemorySegment value, MemorySegment traceback) {
        try { PyErr_NormalizeException.invokeExact(type, value, traceback); } catch (Throwable t) { throw fail(t); }
    }

    /** 3.12+: the raised exception (new reference) with the indicator cleared, or NULL. 3.12+. */
    private static final MethodHandle PyErr_GetRaisedException = optional("PyErr_GetRaisedException",
            FunctionDescriptor.of(ADDRESS));
    public static MemorySegment PyErr_GetRaisedException() {
        try { return (MemorySegment) PyErr_GetRaisedException.invokeExact(); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyErr_ExceptionMatches = bind("PyErr_ExceptionMatches",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    public static int PyErr_ExceptionMatches(MemorySegment type) {
        try {
            return (int) PyErr_ExceptionMatches.invokeExact(type);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static final MethodHandle PyErr_SetObject = bind("PyErr_SetObject",
            FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
    public static void PyErr_SetObject(MemorySegment type, MemorySegment value) {
        try { PyErr_SetObject.invokeExact(type, value); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyErr_SetNone = bind("PyErr_SetNone", FunctionDescriptor.ofVoid(ADDRESS));
    public static void PyErr_SetNone(MemorySegment type) {
        try { PyErr_SetNone.invokeExact(type); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyErr_SetString = bind("PyErr_SetString",
            FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
    public static void PyErr_SetString(MemorySegment type, MemorySegment message) {
        try { PyErr_SetString.invokeExact(type, message); } catch (Throwable t) { throw fail(t); }
    }

    private static final MethodHandle PyException_SetTraceback = bind("PyException_SetTraceback",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    public static int PyException_SetTraceback(MemorySegment exc, MemorySegment traceback) {
        try {
            return (int) PyException_SetTraceback.invokeExact(exc, traceback);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    // ---- data symbols -----------------------------------------------------------------------------------------
    /** {@code Py_None}: the object itself. */
    public static final MemorySegment Py_None = LibPython.find("_Py_NoneStruct").orElseThrow();
    public static final MemorySegment Py_True = LibPython.find("_Py_TrueStruct").orElseThrow();
    public static final MemorySegment Py_False = LibPython.find("_Py_FalseStruct").orElseThrow();
    public static final MemorySegment PyLong_Type = LibPython.find("PyLong_Type").orElseThrow();
    public static final MemorySegment PyFloat_Type = LibPython.find("PyFloat_Type").orElseThrow();
    public static final MemorySegment PyUnicode_Type = LibPython.find("PyUnicode_Type").orElseThrow();
    public static final MemorySegment PyBool_Type = LibPython.find("PyBool_Type").orElseThrow();
    /** {@code PyExc_*} are {@code PyObject *} variables: the value is read through the symbol. */
    public static final MemorySegment PyExc_KeyboardInterrupt = exceptionType("PyExc_KeyboardInterrupt");
    public static final MemorySegment PyExc_RuntimeError = exceptionType("PyExc_RuntimeError");
    public static final MemorySegment PyExc_Exception = exceptionType("PyExc_Exception");
    public static final MemorySegment PyExc_TypeError = exceptionType("PyExc_TypeError");
    public static final MemorySegment PyExc_BufferError = exceptionType("PyExc_BufferError");
    public static final MemorySegment PyExc_OverflowError = exceptionType("PyExc_OverflowError");
    /** {@code Py_NotImplemented}: the object itself. */
    public static final MemorySegment Py_NotImplemented = LibPython.find("_Py_NotImplementedStruct").orElseThrow();
    public static final MemorySegment PyExc_StopIteration = exceptionType("PyExc_StopIteration");
    public static final MemorySegment PyExc_AttributeError = exceptionType("PyExc_AttributeError");
    public static final MemorySegment PyExc_IndexError = exceptionType("PyExc_IndexError");
    public static final MemorySegment PyExc_KeyError = exceptionType("PyExc_KeyError");
    public static final MemorySegment PySlice_Type = LibPython.find("PySlice_Type").orElseThrow();
    public static final MemorySegment PyTuple_Type = LibPython.find("PyTuple_Type").orElseThrow();
    public static final MemorySegment PyList_Type = LibPython.find("PyList_Type").orElseThrow();
    public static final MemorySegment PyDict_Type = LibPython.find("PyDict_Type").orElseThrow();
    public static final MemorySegment PySet_Type = LibPython.find("PySet_Type").orElseThrow();
    public static final MemorySegment PyFrozenSet_Type = LibPython.find("PyFrozenSet_Type").orElseThrow();
    public static final MemorySegment PyBytes_Type = LibPython.find("PyBytes_Type").orElseThrow();
    public static final MemorySegment PyByteArray_Type = LibPython.find("PyByteArray_Type").orElseThrow();

    /** Sets a global {@code int} configuration variable (3.9-3.13 legacy initialization). */
    public static void setGlobalInt(String symbol, int value) {
        LibPython.find(symbol)
                .orElseThrow(() -> new IllegalStateException("libpython has no " + symbol))
                .reinterpret(Integer.BYTES).set(JAVA_INT, 0, value);
    }

    /** Whether {@code PyErr_GetRaisedException} exists (3.12+). */
    public static boolean hasGetRaisedException() {
        return PyErr_GetRaisedException != null;
    }

    /** Whether CPython checks recursion against the real stack and can be told where it lies (3.14+). */
    public static boolean hasSetStackProtection() {
        return PyUnstable_ThreadState_SetStackProtection != null;
    }

    /** Whether the PEP 741 initialization API exists (3.14+). */
    public static boolean hasInitConfig() {
        return PyInitConfig_Create != null;
    }

    /** Reads a NUL-terminated UTF-8 string, or returns null for NULL. */
    public static String cString(MemorySegment address) {
        return address.equals(MemorySegment.NULL) ? null : address.reinterpret(Long.MAX_VALUE).getString(0);
    }

    private static MemorySegment exceptionType(String symbol) {
        return LibPython.find(symbol).orElseThrow().reinterpret(ADDRESS.byteSize()).get(ADDRESS, 0);
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        MemorySegment address = LibPython.find(name)
                .orElseThrow(() -> new IllegalStateException("libpython exports no " + name
                        + " (CPython 3.9 or newer is required)"));
        return LINKER.downcallHandle(address, descriptor);
    }

    private static MethodHandle optional(String name, FunctionDescriptor descriptor) {
        return LibPython.find(name).map(a -> LINKER.downcallHandle(a, descriptor)).orElse(null);
    }

    private static MethodHandle firstOf(FunctionDescriptor descriptor, String... names) {
        for (String name : names) {
            MethodHandle handle = optional(name, descriptor);
            if (handle != null) {
                return handle;
            }
        }
        throw new IllegalStateException("libpython exports none of " + String.join(", ", names));
    }

    private static RuntimeException fail(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed", t);
    }
}
