"""Imports every extension module of the standard library in the interpreter it runs in and sorts them.

Used by the IsolatedImports scenario: run in the main interpreter to list the candidates (``candidates()``), then
in an isolated subinterpreter to see which ones CPython refuses there (``refused(names)``).
"""
import importlib
import importlib.machinery
import os
import sys
import sysconfig

# CPython's refusal of a module that does not declare support for own-GIL (isolated) interpreters (3.12+).
_REFUSAL = "does not support loading in subinterpreters"
# Test-only modules that Debian ships in a separate package: not part of what a user imports.
_TEST_ONLY = ("_test", "_xxtest", "xx", "_ctypes_test")


def candidates():
    """The names of the stdlib's extension modules: built in, or in lib-dynload."""
    names = set(sys.builtin_module_names)
    dynload = os.path.join(sysconfig.get_path("platstdlib"), "lib-dynload")
    if os.path.isdir(dynload):
        for entry in os.listdir(dynload):
            for suffix in sorted(importlib.machinery.EXTENSION_SUFFIXES, key=len, reverse=True):
                if entry.endswith(suffix):
                    names.add(entry[:-len(suffix)])
                    break
    # A file of another build's ABI (Debian puts the debug build's next to the release build's) keeps a dot.
    return sorted(n for n in names if n.isidentifier() and not n.startswith(_TEST_ONLY) and n != "__main__")


# 3.12.1: importing _asyncio in an isolated subinterpreter makes Py_FinalizeEx abort later ("free(): invalid
# pointer"; F-ASYNCIO-ISOLATED-312). Fixed by 3.13; not imported there.
_CRASHES = {(3, 12): ("_asyncio",)}


def refused(names):
    """Of ``names``: the refused ones, and the ones that failed to import for another reason (a missing shared
    library, a name that is not importable as such)."""
    refusals, other = {}, {}
    for name in names:
        if name in sys.modules or name in _CRASHES.get(sys.version_info[:2], ()):
            continue
        try:
            importlib.import_module(name)
        except ImportError as e:
            (refusals if _REFUSAL in str(e) else other)[name] = str(e)
        except Exception as e:
            other[name] = "%s: %s" % (type(e).__name__, e)
    return sorted(refusals), sorted(other)
