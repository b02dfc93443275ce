"""Helpers that Tether runs inside every interpreter it manages.

Loaded from Java when an interpreter is created (not importable by name). Importing threading here, on the thread
that owns the interpreter's first thread state, makes that thread threading's main thread, so threading's shutdown
waits on a thread state that lives as long as the interpreter.
"""
import _thread
import builtins
import io
import os
import signal
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


def _java_threads_are_not_daemons():
    """Threads that Python code starts from a Java thread are non-daemon unless the code asks otherwise.

    threading sees a Java thread as a _DummyThread, which is a daemon (3.9-3.11 always; 3.12+ where the
    interpreter allows daemon threads), and a new Thread inherits its creator's flag: so every thread started from
    Java would be a daemon, which neither threading's shutdown nor Tether's close waits for (F-DAEMON-INHERIT). In
    a standalone program the same code runs on the (non-daemon) main thread, and its threads are not daemons.
    """
    dummy_init = threading._DummyThread.__init__

    def __init__(self, *args, **kwargs):
        dummy_init(self, *args, **kwargs)
        self._daemonic = False

    threading._DummyThread.__init__ = __init__


_java_threads_are_not_daemons()


def _interrupt_main_as_documented():
    """_thread.interrupt_main() does nothing for a signal that Python does not handle, as its documentation says.

    Under Tether the JVM owns the process's signals, so signal.getsignal(SIGINT) is None (a handler not installed
    from Python), and CPython's C code "simulates" the signal anyway; Tether's main thread then reports
    "OSError: Signal 2 ignored due to race condition" (F-INTERRUPT-MAIN). No Python code can install a handler
    under Tether (only the main thread may, and none of the program's code runs there), so this is a no-op unless
    a Python-level handler exists.
    """
    original = _thread.interrupt_main

    def interrupt_main(signum=signal.SIGINT):
        if callable(signal.getsignal(signum)):
            return original(signum) if sys.version_info >= (3, 10) else original()

    interrupt_main.__doc__ = original.__doc__
    _thread.interrupt_main = interrupt_main


_interrupt_main_as_documented()


class Interrupted(KeyboardInterrupt):
    """Raised in Python code when the Java thread running it is interrupted (Thread.interrupt()), or when the call
    it belongs to passed its timeout (Interpreter.call(Duration, ...)). A KeyboardInterrupt, as Ctrl-C would be in
    a standalone program: `except Exception` does not swallow it."""


Interrupted.__module__ = "tether"


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
        # The last entries only, as CPython prints them (sys.tracebacklimit, else 1000): a RecursionError's
        # traceback can hold 400 000 entries (F-STACK-313-UNCHECKED), which take a minute to format in full.
        limit = getattr(sys, "tracebacklimit", 1000)
        limit = -limit if isinstance(limit, int) and limit > 0 else 0
        text = "".join(traceback.format_exception(t, exc, exc.__traceback__, limit=limit, chain=chain))
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


# ---- the interpreter's environment: sys.argv, sys.path, sys.executable, program output, logging, processes ------

_LINE_LIMIT = 8192
"""Bytes a thread may write without a newline before they are passed on anyway (a progress bar, a prompt)."""


class _Lines:
    """Passes bytes on to a sink in whole lines, each thread's separately.

    A thread's bytes wait until it writes a newline (or flushes, or more than _LINE_LIMIT bytes wait), then its
    complete lines go to the sink in one call. So lines of different threads never mix, each thread's lines keep
    their order, and the sink (a Java stream, or a file descriptor) sees one write per batch of lines.
    """

    def __init__(self, sink):
        self._sink = sink
        self._pending = {}  # thread ident -> bytes; each key is written only by its own thread (or flush_all)

    def write(self, data):
        if not data:
            return
        ident = _thread.get_ident()
        waiting = self._pending.pop(ident, None)
        if waiting is not None:
            data = waiting + data
        cut = data.rfind(b"\n") + 1
        if cut < len(data):
            if len(data) - cut < _LINE_LIMIT:
                self._pending[ident] = data[cut:]
            else:
                cut = len(data)
        if cut:
            self._sink(data[:cut])

    def flush(self):
        data = self._pending.pop(_thread.get_ident(), None)
        if data:
            self._sink(data)

    def flush_all(self):
        for ident in list(self._pending):
            data = self._pending.pop(ident, None)
            if data:
                self._sink(data)


def _fd_sink(fd):
    def write(data):
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    return write


class _WriteOnly:
    """What the output streams answer about themselves: written to, never read or repositioned."""

    def writable(self):
        return True

    def readable(self):
        return False

    def seekable(self):
        return False


class _BinaryStream(_WriteOnly, io.BufferedIOBase):
    """sys.stdout.buffer / sys.stderr.buffer: bytes, passed on line by line. Closing only flushes: the stream
    belongs to the process or to Java, and a program that closes sys.stdout (json.tool does) must not silence
    every later print."""

    def __init__(self, lines, name, fd):
        self._lines = lines
        self._name = name
        self._fd = fd

    @property
    def name(self):
        return self._name

    @property
    def mode(self):
        return "wb"

    @property
    def closed(self):
        return False

    def close(self):
        self.flush()

    def write(self, b):
        data = bytes(b)
        self._lines.write(data)
        return len(data)

    def flush(self):
        self._lines.flush()

    def fileno(self):
        if self._fd is None:
            raise io.UnsupportedOperation(self._name + " goes to a Java stream (PythonRuntime.Builder); it has no"
                                          " file descriptor")
        return self._fd

    def isatty(self):
        return self._fd is not None and os.isatty(self._fd)

    def detach(self):
        raise io.UnsupportedOperation(self._name + " cannot be detached")


class _TextStream(_WriteOnly, io.TextIOBase):
    """sys.stdout / sys.stderr: text encoded at once and passed on line by line (see _BinaryStream)."""

    def __init__(self, binary, name, encoding, errors):
        self._binary = binary
        self._name = name
        self._encoding = encoding
        self._errors = errors

    @property
    def name(self):
        return self._name

    @property
    def mode(self):
        return "w"

    @property
    def encoding(self):
        return self._encoding

    @property
    def errors(self):
        return self._errors

    @property
    def newlines(self):
        return None

    @property
    def buffer(self):
        return self._binary

    @property
    def line_buffering(self):
        return True

    @property
    def write_through(self):
        return False

    @property
    def closed(self):
        return False

    def close(self):
        self.flush()

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not " + type(s).__name__)
        self._binary.write(s.encode(self._encoding, self._errors))
        return len(s)

    def flush(self):
        self._binary.flush()

    def fileno(self):
        return self._binary.fileno()

    def isatty(self):
        return self._binary.isatty()

    def detach(self):
        raise io.UnsupportedOperation(self._name + " cannot be detached")

    def reconfigure(self, *, encoding=None, errors=None, newline=None, line_buffering=None, write_through=None):
        """As io.TextIOWrapper.reconfigure; always line-buffered."""
        if encoding is not None:
            import codecs
            self._encoding = codecs.lookup(encoding).name
            if errors is None:
                errors = "strict"
        if errors is not None:
            self._errors = errors


_streams = []
_originals = []


def _install_streams(stdout_sink, stderr_sink):
    """Replaces sys.stdout/sys.stderr (and sys.__stdout__/sys.__stderr__) with line-buffered streams: to the Java
    sinks given, else to file descriptors 1 and 2. Encoding and error handler stay CPython's."""
    for name, sink, fd in (("stdout", stdout_sink, 1), ("stderr", stderr_sink, 2)):
        original = getattr(sys, name, None)
        if original is not None:
            try:
                original.flush()
            except Exception:
                pass
            _originals.append(original)
        encoding = getattr(original, "encoding", None) or "utf-8"
        errors = getattr(original, "errors", None) or ("backslashreplace" if name == "stderr" else "strict")
        lines = _Lines(sink if sink is not None else _fd_sink(fd))
        stream = _TextStream(_BinaryStream(lines, "<%s>" % name, None if sink is not None else fd),
                             "<%s>" % name, encoding, errors)
        setattr(sys, name, stream)
        setattr(sys, "__%s__" % name, stream)
        _streams.append(lines)


def flush_streams():
    """Passes on what every thread left without a newline (at close)."""
    for lines in _streams:
        try:
            lines.flush_all()
        except Exception:
            pass


def _install_logging(log, root_level):
    """Sends the records of Python's logging to log(name, levelno, message); the root logger's level becomes
    root_level (the most verbose level Java's root logger takes)."""
    import logging

    class JavaLogHandler(logging.Handler):
        """Tether's bridge to java.lang.System.Logger (the logger of the record's name)."""

        def emit(self, record):
            try:
                log(record.name, record.levelno, self.format(record))
            except RecursionError:
                raise
            except Exception:
                self.handleError(record)

    root = logging.getLogger()
    root.addHandler(JavaLogHandler())
    root.setLevel(root_level)


def _refuse_fork(message):
    """os.fork() (and forkpty) raise RuntimeError(message) instead of forking the JVM."""
    import posix

    for module in (os, posix):
        for name in ("fork", "forkpty"):
            original = getattr(module, name, None)
            if original is not None:
                def make(name=name, original=original):
                    def fork(*args, **kwargs):
                        raise RuntimeError(message)
                    fork.__name__ = name
                    fork.__qualname__ = name
                    fork.__doc__ = original.__doc__
                    return fork
                setattr(module, name, make())


class _SpawnByDefault:
    """Makes 'spawn' multiprocessing's default start method where the default is 'fork' (3.9-3.13 on Linux),
    without importing multiprocessing now: when multiprocessing.context is imported, its default context is
    pointed at the spawn context right after the module ran. set_start_method() still works as usual."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name != "multiprocessing.context":
            return None
        for finder in sys.meta_path:
            if finder is not cls and getattr(finder, "__name__", "") == "PathFinder":
                spec = finder.find_spec(name, path, target)
                break
        else:
            return None
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        exec_module = spec.loader.exec_module

        def exec_then_spawn(module):
            exec_module(module)
            concrete = getattr(module, "_concrete_contexts", {})
            default = getattr(module, "_default_context", None)
            if "spawn" in concrete and getattr(default, "_default_context", None) is concrete.get("fork"):
                default._default_context = concrete["spawn"]

        spec.loader.exec_module = exec_then_spawn
        return spec


class _RefuseBeforeInit:
    """Refuses extension modules by name before their init function runs, with CPython's own message (so callers
    fall back as they would: decimal to _pydecimal, datetime to _pydatetime). For 3.12's isolated interpreters,
    where CPython runs a refused single-phase module's init function first, and _decimal and _datetime then free
    their process-wide state twice when imported again in another interpreter (the process aborts)."""

    names = frozenset()

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name in cls.names:
            raise ImportError("module %s does not support loading in subinterpreters" % name, name=name)
        return None


def configure(executable, argv, path, stdout_sink, stderr_sink, log, log_level, fork_refusal, spawn_by_default,
              refused_modules):
    """Sets up this interpreter as the runtime's builder said (called once, right after this module ran)."""
    if executable is not None:
        sys.executable = executable
        if not executable:
            sys._base_executable = executable
    sys.argv = list(argv)
    sys.path[0:0] = [p for p in path if p not in sys.path[:len(path)]]
    _install_streams(stdout_sink, stderr_sink)
    if log is not None:
        _install_logging(log, log_level)
    if fork_refusal is not None:
        _refuse_fork(fork_refusal)
    if spawn_by_default and "multiprocessing.context" not in sys.modules:
        sys.meta_path.insert(0, _SpawnByDefault)
    if refused_modules:
        _RefuseBeforeInit.names = frozenset(refused_modules)
        sys.meta_path.insert(0, _RefuseBeforeInit)


def environment():
    """(prefix, base_prefix, executable, sys.path, sys.argv) as reports show them."""
    return (sys.prefix, sys.base_prefix, sys.executable, list(sys.path), list(sys.argv))


def run_main(module, target, args):
    """Runs a script file (module False) or a module as __main__, as `python script.py args` or
    `python -m module args` would, and returns its exit status (0, or SystemExit's code). sys.argv is
    [target, *args] for the run; it, sys.path, sys.stdout and sys.stderr are as before afterwards. Other
    exceptions propagate."""
    import runpy
    saved_argv = sys.argv
    saved_out, saved_err = sys.stdout, sys.stderr
    inserted = None
    sys.argv = [target] + list(args)
    try:
        if module:
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            # like the interpreter for a script: its folder comes first on sys.path
            inserted = os.path.dirname(os.path.abspath(target))
            sys.path.insert(0, inserted)
            runpy.run_path(target, run_name="__main__")
        return 0
    except SystemExit as e:
        return _exit_status(e.code)
    finally:
        sys.argv = saved_argv
        if inserted is not None and sys.path and sys.path[0] == inserted:
            del sys.path[0]
        for name, saved in (("stdout", saved_out), ("stderr", saved_err)):
            current = getattr(sys, name)
            if current is not saved:
                try:
                    current.flush()
                except Exception:
                    pass
                setattr(sys, name, saved)
            try:
                saved.flush()
            except Exception:
                pass


def _exit_status(code):
    """The exit status Python's own `python script.py` would end with for SystemExit(code)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code if -2 ** 31 <= code < 2 ** 31 else 1
    try:
        print(code, file=sys.stderr)
    except Exception:
        pass
    return 1


def extend_path(entries):
    """Appends the folders of Python packages that came in jars (PythonPackages services) to sys.path, once each."""
    for entry in entries:
        if entry not in sys.path:
            sys.path.append(entry)


class _JavaMemory:
    """Java memory that numpy uses without copying (ThreadState.toNumpy).

    numpy reads __array_interface__ and keeps this object as the array's base, as every view of the array does,
    so it lives as long as any array on the memory (F-NUMPY-INTERFACE-BASE); its pin (a capsule) keeps the Java
    memory alive until then.
    """

    __slots__ = ("__array_interface__", "_pin")

    def __init__(self, interface, pin):
        self.__array_interface__ = interface
        self._pin = pin


def to_numpy(address, readonly, typestr, shape, pin):
    """A numpy array over the Java memory at address (see _JavaMemory); numpy is imported on first use."""
    import numpy

    shape = tuple(shape)
    if address == 0:
        return numpy.empty(shape, dtype=typestr)
    memory = _JavaMemory({"version": 3, "data": (address, readonly), "typestr": typestr, "shape": shape}, pin)
    return numpy.asarray(memory)


# ---- Java objects in Python (bridge.ObjectSpace) -------------------------------------------------------------------
#
# A Java object crosses as an instance of a class made per Java class (java_class_type), deriving from JavaObject;
# its methods are Java functions in the class dict, so a call costs a type-cache lookup and one upcall. The dunder
# methods below are placeholders: Tether's Java side replaces them (install_java) when it sets up the interpreter
# (F-SLOT-ASSIGN: assigning a dunder to a class updates its slots and its subclasses').
# Instances are made by Tether only (PyType_GenericAlloc); one made from Python stands for no Java object, and its
# members say so.

import collections.abc as _abc


class HostAccessError(AttributeError):
    """A member of a Java object exists, but the host access policy does not let Python reach it."""


HostAccessError.__module__ = "tether"


def _placeholder(*args):
    raise RuntimeError("Tether has not set up Java objects in this interpreter")


class JavaObject:
    """A Java object seen from Python: str, repr, == and hash follow toString, equals and hashCode."""

    __slots__ = ("__weakref__",)
    __getattr__ = __setattr__ = __str__ = __repr__ = __eq__ = __hash__ = _placeholder


class JavaType(type):
    """The class of a Java object's Python class: isinstance and issubclass follow the Java class hierarchy."""

    __instancecheck__ = __subclasscheck__ = _placeholder


def java_class_type(name, qualname, module, java_class, members, getters):
    """The Python class for objects of one Java class: members are Java functions, getters back properties."""
    namespace = {"__slots__": (), "__module__": module, "__qualname__": qualname, "__java_class__": java_class,
                 "__doc__": "Java objects of class " + java_class + " (a Tether proxy)."}
    namespace.update(members)
    for attribute, getter in getters.items():
        namespace[attribute] = property(getter)
    return JavaType(name, (JavaObject,), namespace)


class JavaIterator(JavaObject, _abc.Iterator):
    """A live view of a java.util.Iterator."""

    __slots__ = ()
    __next__ = _placeholder


class JavaIterable(JavaObject, _abc.Iterable):
    """A live view of a java.lang.Iterable."""

    __slots__ = ()
    __iter__ = _placeholder


class JavaCollection(JavaObject, _abc.Collection):
    """A live view of a java.util.Collection."""

    __slots__ = ()
    __len__ = __iter__ = __contains__ = _placeholder
    __hash__ = None


class JavaSet(JavaObject, _abc.MutableSet):
    """A live view of a java.util.Set: no copy; changes on either side are seen by the other."""

    __slots__ = ()
    __len__ = __iter__ = __contains__ = add = discard = _placeholder
    __eq__ = _abc.Set.__eq__
    __hash__ = None


class JavaList(JavaObject, _abc.MutableSequence):
    """A live view of a java.util.List: no copy; changes on either side are seen by the other."""

    __slots__ = ()
    __len__ = __iter__ = __contains__ = __getitem__ = __setitem__ = __delitem__ = insert = append = _placeholder
    __hash__ = None

    def __eq__(self, other):
        if not isinstance(other, (list, tuple, JavaList)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))


class JavaMap(JavaObject, _abc.MutableMapping):
    """A live view of a java.util.Map: no copy; changes on either side are seen by the other."""

    __slots__ = ()
    __len__ = __iter__ = __contains__ = __getitem__ = __setitem__ = __delitem__ = get = _placeholder
    __eq__ = _abc.Mapping.__eq__
    __hash__ = None


def install_java(members):
    """Sets the Java functions of the classes above: {class name: {attribute: function}}."""
    scope = globals()
    for class_name, attributes in members.items():
        cls = scope[class_name]
        for attribute, function in attributes.items():
            setattr(cls, attribute, function)
def run_exit_functions():
    """Runs this interpreter's atexit functions now, as Py_EndInterpreter would (each once: atexit forgets them).

    For an interpreter whose end in CPython Tether defers while threads still point at their idle thread states
    there: the interpreter is closed for its users, and its exit functions run when it is closed, not later.
    """
    import atexit
    atexit._run_exitfuncs()
