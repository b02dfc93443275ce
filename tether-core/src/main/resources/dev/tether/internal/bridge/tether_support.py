"""Helpers that Tether runs inside every interpreter it manages.

Loaded from Java when an interpreter is created (not importable by name). Importing threading here, on the thread
that owns the interpreter's first thread state, makes that thread threading's main thread, so threading's shutdown
waits on a thread state that lives as long as the interpreter.
"""
import builtins
import sys
import threading
import traceback


def _warm_traceback_printer():
    """Prints one traceback, the way a dying thread prints its own, into a throwaway buffer.

    A close past its deadline interrupts threads with KeyboardInterrupt, and they all print their tracebacks at
    once. The printer imports modules the first time it runs (3.13 imports ast to place carets, 3.13+ _colorize,
    3.15 dataclasses), and an interrupt that lands inside importlib's module locks can leave a lock held for good:
    the other threads then wait on it forever. Doing that first print now, when nothing interrupts, imports
    whatever this version needs, without naming it.
    """
    import io
    import linecache

    # Source the printer can read (linecache): it shows lines and carets only where it has the text.
    name = "<tether warm-up>"
    lines = ["def inner(values):\n", "    return values[0] + values[1] * 2\n"]
    linecache.cache[name] = (sum(map(len, lines)), None, lines, name)
    scope = {}
    try:
        exec(compile("".join(lines), name, "exec"), scope)
        try:
            scope["inner"]([1])
        except IndexError as e:
            args = (type(e), e, e.__traceback__)
            err = sys.stderr
            sys.stderr = io.StringIO()
            try:
                traceback.print_exception(*args)
                sys.excepthook(*args)
                threading.excepthook(threading.ExceptHookArgs((*args, None)))
            finally:
                sys.stderr = err
    finally:
        linecache.cache.pop(name, None)


_warm_traceback_printer()


class JavaException(Exception):
    """Raised in Python when a Java callable throws. Its type is named after the Java class (module = package),
    and derives from the closest builtin exception as well (IllegalArgumentException is a ValueError...)."""

    java_class = None


_java_types = {}


def java_exception(class_name, message, base_name, token):
    """An exception instance standing for a Java throwable; token keeps the throwable alive for Java."""
    key = (class_name, base_name)
    t = _java_types.get(key)
    if t is None:
        package, _, simple = class_name.rpartition(".")
        base = getattr(builtins, base_name, Exception)
        bases = (JavaException,) if base is Exception else (JavaException, base)
        t = type(simple, bases, {"__module__": package or "java", "java_class": class_name})
        _java_types[key] = t
    e = t(message)
    e._tether_token = token
    return e


def describe(exc, chain):
    """(type name, message, formatted traceback, exit status or None, Java token or None, next exception or None).

    The next exception is __cause__, else __context__ unless suppressed; chain says whether the traceback text
    includes the chained exceptions, as Python prints them.
    """
    t = type(exc)
    module = getattr(t, "__module__", None)
    name = t.__qualname__
    if module not in (None, "builtins", "__main__"):
        name = module + "." + name
    try:
        message = str(exc)
    except BaseException as e:  # a broken __str__ must not hide the original error
        message = "<str() failed: %s>" % type(e).__name__
    try:
        text = "".join(traceback.format_exception(t, exc, exc.__traceback__, chain=chain))
    except BaseException:
        text = name + ": " + message + "\n"
    status = None
    if isinstance(exc, SystemExit):
        code = exc.code
        status = 0 if code is None else code if isinstance(code, int) else 1
    token = getattr(exc, "_tether_token", None)
    following = exc.__cause__
    if following is None and not exc.__suppress_context__:
        following = exc.__context__
    return (name, message, text, status, token, following)


def _where(frame):
    """'function (file:line)' of a frame, for reports."""
    if frame is None:
        return "?"
    code = frame.f_code
    return "%s (%s:%d)" % (code.co_name, code.co_filename.rpartition("/")[2], frame.f_lineno)


def python_threads():
    """(ident, name, daemon, where) of every live thread Python code started in this interpreter.

    Threads that were not started by threading (Java threads that touched Python, which appear as dummy threads)
    and the thread that owns the interpreter are left out: Tether tracks those itself.
    """
    current = threading.get_ident()
    # sys._current_frames() walks the threads of every interpreter and makes frame objects for them with this
    # interpreter's allocator: with isolated subinterpreters (3.12+) another interpreter later frees them with its
    # own, and the process crashes. Only legacy interpreters (shared allocator) may ask.
    frames = sys._current_frames() if sys.version_info < (3, 12) else {}
    result = []
    for t in threading.enumerate():
        if t.ident == current or isinstance(t, (threading._MainThread, threading._DummyThread)):
            continue
        if t.is_alive():
            result.append((t.ident, t.name, bool(t.daemon), _where(frames.get(t.ident))))
    return tuple(result)


def run_exit_functions():
    """Runs this interpreter's atexit functions now, as Py_EndInterpreter would (each once: atexit forgets them).

    For an interpreter whose end in CPython Tether defers while threads still point at their idle thread states
    there: the interpreter is closed for its users, and its exit functions run when it is closed, not later.
    """
    import atexit
    atexit._run_exitfuncs()
