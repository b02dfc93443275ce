"""Helpers that Tether runs inside every interpreter it manages.

Loaded from Java when an interpreter is created (not importable by name). Importing threading here, on the thread
that owns the interpreter's first thread state, makes that thread threading's main thread, so threading's shutdown
waits on a thread state that lives as long as the interpreter.
"""
import sys
import threading


def describe(exc):
    """(type name, message, formatted traceback, exit status or None) of an exception object."""
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
        import traceback
        text = "".join(traceback.format_exception(t, exc, exc.__traceback__))
    except BaseException:
        text = name + ": " + message + "\n"
    status = None
    if isinstance(exc, SystemExit):
        code = exc.code
        status = 0 if code is None else code if isinstance(code, int) else 1
    return (name, message, text, status)


def python_threads():
    """(ident, name, daemon) of every live thread Python code started in this interpreter.

    Threads that were not started by threading (Java threads that touched Python, which appear as dummy threads)
    and the thread that owns the interpreter are left out: Tether tracks those itself.
    """
    current = threading.get_ident()
    result = []
    for t in threading.enumerate():
        if t.ident == current or isinstance(t, (threading._MainThread, threading._DummyThread)):
            continue
        if t.is_alive():
            result.append((t.ident, t.name, bool(t.daemon)))
    return tuple(result)
