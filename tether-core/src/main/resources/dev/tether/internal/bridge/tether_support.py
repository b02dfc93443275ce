"""Helpers that Tether runs inside every interpreter it manages.

Loaded from Java when an interpreter is created (not importable by name). Importing threading here, on the thread
that owns the interpreter's first thread state, makes that thread threading's main thread, so threading's shutdown
waits on a thread state that lives as long as the interpreter.
"""
import builtins
import sys
import threading


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
        import traceback
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
