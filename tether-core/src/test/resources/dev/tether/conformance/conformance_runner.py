"""Runs CPython regression-test modules with unittest and records every test's outcome as JSON.

The same file runs under the standalone interpreter (``python -E -s -X utf8 conformance_runner.py LANE_DIR``) and
inside Tether (imported, then ``main([LANE_DIR])`` on a Java thread), so the two are compared like for like. It
mimics what ``python -m test`` (libregrtest) sets up for a test module, minus what needs Python's main thread or
process-wide ownership (faulthandler, signal handlers, resource limits):

* ``test.support``'s resources, verbosity and ``TESTFN`` names (with a per-lane tag, so that two interpreters of
  one process never share a file name: ``TESTFN`` embeds only the process id);
* a working directory and a temporary directory of the lane's own;
* ``sys.argv`` and ``sys.executable`` (the build's own binary, whatever ``PATH`` holds);
* each module is imported afresh, run (through its ``test_main`` on versions that have one, like libregrtest),
  followed by a garbage collection, child reaping and the unloading of the test modules it imported.

The lane directory holds ``plan.json`` (written by the Java side, read here) and receives:

* ``progress.txt``: ``module NAME`` when a module starts, ``test ID`` when a test starts, ``done`` at the end; the
  Java side watches it to enforce per-module timeouts and to name the test that hung;
* ``results.jsonl``: one ``header`` line, then one line per finished module:
  ``{"kind": "module", "module": NAME, "seconds": S, "tests": {ID: [OUTCOME, DETAIL]}}``.

Outcomes: pass, fail, error, skip, xfail (expected failure), xpass (unexpected success), excluded (by the plan:
not run). A module that cannot be
imported is recorded under its own name as error (or skip, for ``unittest.SkipTest``).
"""

import fnmatch
import gc
import importlib
import json
import os
import sys
import tempfile
import threading
import time
import traceback
import unittest

# The worse outcome wins when one test reports several (subtests, cleanups).
_RANK = {"excluded": 0, "skip": 1, "xfail": 2, "pass": 3, "xpass": 4, "fail": 5, "error": 6}
# Details are kept short: the table needs the gist, the logs have the rest.
_DETAIL_CHARS = 240


def _line(err):
    """The last line of an exception's text: its type and message."""
    exc_type, value, _ = err
    text = "".join(traceback.format_exception_only(exc_type, value)).strip().splitlines()
    return (text[-1] if text else exc_type.__name__)[:_DETAIL_CHARS]


class _Recorder(unittest.TestResult):
    """Keeps one outcome per test id and reports each test start to the progress file."""

    def __init__(self, progress):
        super().__init__()
        self.outcomes = {}
        self._progress = progress
        self._runs = {}   # test id -> times started: some packages load a test twice ("ID#2")
        self._key = {}    # id(test object) -> its key while it runs

    def _put(self, test, outcome, detail=""):
        key = self._key.get(id(test), test.id())
        old = self.outcomes.get(key)
        if old is None or _RANK[outcome] > _RANK[old[0]]:
            self.outcomes[key] = [outcome, detail]

    def startTest(self, test):
        super().startTest(test)
        test_id = test.id()
        runs = self._runs[test_id] = self._runs.get(test_id, 0) + 1
        self._key[id(test)] = test_id if runs == 1 else "%s#%d" % (test_id, runs)
        self._progress.write("test %s\n" % test_id)
        self._progress.flush()

    def stopTest(self, test):
        super().stopTest(test)
        self._key.pop(id(test), None)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._put(test, "pass")

    def addError(self, test, err):
        super().addError(test, err)
        self._put(test, "error", _line(err))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._put(test, "fail", _line(err))

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            failed = issubclass(err[0], test.failureException)
            self._put(test, "fail" if failed else "error", _line(err))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        if not isinstance(test, unittest.case._SubTest):
            self._put(test, "skip", str(reason)[:_DETAIL_CHARS])

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._put(test, "xfail")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._put(test, "xpass")


def _filtered(suite, select, recorder):
    """``suite`` with only the tests ``select`` says to run (nested suites kept, so fixtures still run); the ones
    it excludes are recorded as such."""
    kept = []
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            kept.append(_filtered(test, select, recorder))
            continue
        choice = select(test.id())
        if choice == "run":
            kept.append(test)
        elif choice == "excluded":
            recorder.outcomes[test.id()] = ["excluded", ""]
    suite._tests = kept
    return suite


class _Lane:
    """One lane's plan and outputs."""

    def __init__(self, lane_dir):
        self.dir = lane_dir
        with open(os.path.join(lane_dir, "plan.json"), encoding="utf-8") as f:
            self.plan = json.load(f)
        self.progress = open(os.path.join(lane_dir, "progress.txt"), "a", encoding="utf-8")
        self.results = open(os.path.join(lane_dir, "results.jsonl"), "a", encoding="utf-8")

    def selector(self, module):
        """Which tests of ``module`` to run: a function of a test id giving "run", "drop" (a test that hung or
        crashed in an earlier attempt: the Java side has its outcome) or "excluded" (by a pattern of the plan: a
        test known to hang or crash this kind of interpreter; recorded as such).

        An id in the plan's "only" also selects the tests below it ("test.test_x.Class" selects the class's
        tests)."""
        dropped = set(self.plan.get("exclude", ()))
        patterns = list(self.plan.get("exclude_patterns", ()))
        only = self.plan.get("only") or {}
        wanted = only.get(module)

        def select(test_id):
            if test_id in dropped:
                return "drop"
            if wanted is not None and not any(test_id == w or test_id.startswith(w + ".") for w in wanted):
                return "drop"
            if any(fnmatch.fnmatchcase(test_id, p) for p in patterns):
                return "excluded"
            return "run"
        return select

    def write(self, record):
        self.results.write(json.dumps(record, sort_keys=True) + "\n")
        self.results.flush()


def _set_up(lane):
    """What libregrtest's setup_tests does that an embedded interpreter can share (see the module comment)."""
    plan = lane.plan
    extras = [os.path.abspath(extra) for extra in plan.get("extra_test_dirs", ())]
    import test
    from test import support
    test.__path__.extend(extras)
    _discover_in_extras(support, extras)
    if plan.get("executable"):
        sys.executable = plan["executable"]
        if hasattr(sys, "_base_executable"):
            sys._base_executable = plan["executable"]
    tempfile.tempdir = plan["tmpdir"]
    os.chdir(plan["workdir"])
    from test import support
    from test.support import os_helper
    _retag_testfn(os_helper, plan["tag"])
    support.verbose = 0
    support.use_resources = list(plan.get("resources", ()))
    support.failfast = False
    support.record_original_stdout(sys.stdout)


def _discover_in_extras(support, extras):
    """Lets a test package from an extra folder (named "test", appended to test.__path__) discover its modules:
    support.load_package_tests discovers below the stdlib only, and would refuse a folder elsewhere."""
    original = support.load_package_tests

    def load_package_tests(pkg_dir, *args):
        for extra in extras:
            if os.path.abspath(pkg_dir).startswith(extra + os.sep):
                saved, support.STDLIB_DIR = support.STDLIB_DIR, os.path.dirname(extra)
                try:
                    return original(pkg_dir, *args)
                finally:
                    support.STDLIB_DIR = saved
        return original(pkg_dir, *args)

    support.load_package_tests = load_package_tests


def _retag_testfn(os_helper, tag):
    """Renames TESTFN and its variants: "@test_PID_tmp" becomes "@test_PID_TAG_tmp"."""
    old = os_helper.TESTFN_ASCII
    new = "@test_%d_%s_tmp" % (os.getpid(), tag)
    old_bytes, new_bytes = os.fsencode(old), os.fsencode(new)
    for name in dir(os_helper):
        if not name.startswith("TESTFN"):
            continue
        value = getattr(os_helper, name)
        if isinstance(value, str) and value.startswith(old):
            setattr(os_helper, name, new + value[len(old):])
        elif isinstance(value, bytes) and value.startswith(old_bytes):
            setattr(os_helper, name, new_bytes + value[len(old_bytes):])


def _run_module(lane, module, argv0):
    """Imports and runs one test module; returns its outcomes."""
    from test import support
    recorder = _Recorder(lane.progress)
    select = lane.selector(module)
    name = "test." + module
    before = set(sys.modules)
    sys.argv = [argv0]
    os.chdir(lane.plan["workdir"])
    try:
        sys.modules.pop(name, None)
        try:
            the_module = importlib.import_module(name)
        except unittest.SkipTest as e:
            recorder.outcomes[module] = ["skip", str(e)[:_DETAIL_CHARS]]
            return recorder.outcomes
        except BaseException as e:
            recorder.outcomes[module] = ["error", _line((type(e), e, None))]
            return recorder.outcomes
        run_suite = lambda suite: _filtered(suite, select, recorder).run(recorder)
        test_main = getattr(the_module, "test_main", None)
        try:
            if callable(test_main) and hasattr(support, "_run_suite"):
                # libregrtest <= 3.11 runs a module's test_main, which ends in support._run_suite.
                saved, support._run_suite = support._run_suite, run_suite
                try:
                    test_main()
                finally:
                    support._run_suite = saved
            else:
                loader = unittest.TestLoader()
                suite = loader.loadTestsFromModule(the_module)
                for error in loader.errors:
                    recorder.outcomes.setdefault(module + " (loading)", ["error", str(error)[-_DETAIL_CHARS:]])
                run_suite(suite)
        except BaseException as e:
            # KeyboardInterrupt and SystemExit included: a lane must finish its plan.
            recorder.outcomes[module + " (test_main)"] = ["error", _line((type(e), e, None))]
        return recorder.outcomes
    finally:
        support.gc_collect()
        support.reap_children()
        for loaded in set(sys.modules) - before:
            if loaded == "test" or loaded.startswith("test."):
                sys.modules.pop(loaded, None)


def main(args):
    """Runs the lane whose directory is ``args[0]``."""
    lane = _Lane(args[0])
    _set_up(lane)
    argv0 = os.path.abspath(__file__)
    lane.write({
        "kind": "header",
        "tag": lane.plan["tag"],
        "version": sys.version,
        "flags": {name: getattr(sys.flags, name) for name in dir(sys.flags)
                  if not name.startswith("_") and isinstance(getattr(sys.flags, name), int)},
        "executable": sys.executable,
        "main_thread": threading.current_thread() is threading.main_thread(),
    })
    for module in lane.plan["modules"]:
        lane.progress.write("module %s\n" % module)
        lane.progress.flush()
        started = time.monotonic()
        outcomes = _run_module(lane, module, argv0)
        lane.write({"kind": "module", "module": module, "seconds": round(time.monotonic() - started, 2),
                    "tests": outcomes})
    lane.progress.write("done\n")
    lane.progress.flush()
    lane.progress.close()
    lane.results.close()


if __name__ == "__main__":
    main(sys.argv[1:])
elif __name__ == "__conformance__":
    # Inside Tether: runpy.run_path(this file, {"LANE_DIR": ...}, "__conformance__") on a Java thread.
    main([LANE_DIR])  # noqa: F821 (given by run_path)
