"""Python code that goes deep on the C stack: the cases of the suite "small thread stacks".

Each case is a function without arguments that raises (RecursionError, MemoryError, SyntaxError...) or returns None.
Tether calls them on Java threads with small stacks; run standalone, this file runs one case the way CPython's own
threads would, to learn what CPython does there:

    python stack_cases.py CASE [STACK_KB]     (no STACK_KB: on the main thread)

and prints "raised <type>" or "completed"; a crash prints nothing.
"""

DEPTH = 200_000        # nesting of data and of source: far beyond every recursion limit


def _nested_list():
    x = []
    for _ in range(DEPTH):
        x = [x]
    return x


def _nested_dict():
    x = {}
    for _ in range(DEPTH):
        x = {'k': x}
    return x


def _nested_tuple():
    x = ()
    for _ in range(DEPTH):
        x = (x,)
    return x


def repr_list():
    repr(_nested_list())


def repr_dict():
    repr(_nested_dict())


def str_tuple():
    str(_nested_tuple())


def json_dumps():
    import json
    json.dumps(_nested_list())


def json_loads():
    import json
    json.loads('[' * DEPTH + ']' * DEPTH)


def pickle_dumps():
    import pickle
    pickle.dumps(_nested_list())


def pickle_loads():
    # EMPTY_LIST DEPTH times, then APPEND DEPTH-1 times: the unpickler builds the nesting without recursing.
    import pickle
    pickle.loads(b'\x80\x02' + b']' * DEPTH + b'a' * (DEPTH - 1) + b'.')


def deepcopy():
    # 20 times any recursion limit is enough: 3.13 does not check this recursion until the bottom, so it goes the
    # whole depth in Python frames, and the deeper, the longer the traceback to describe.
    import copy
    x = []
    for _ in range(DEPTH // 10):
        x = [x]
    copy.deepcopy(x)


def compare():
    _nested_list() == _nested_list()


def isinstance_tuple():
    t = int
    for _ in range(DEPTH):
        t = (t,)
    isinstance(1, t)


def compile_parens():
    compile('(' * 100_000, '<parens>', 'eval')


def eval_unary():
    eval('-' * 100_000 + '1')


def eval_not():
    eval('not ' * 100_000 + 'x', {'x': 1})


def compile_lambdas():
    compile('lambda: ' * 100_000 + '0', '<lambdas>', 'eval')


def compile_binops():
    compile('1' + ' + 1' * 100_000, '<binops>', 'eval')


def recursion():
    def f(n):
        return f(n + 1)
    f(0)


def recursion_through_repr():
    class R:
        def __repr__(self):
            return repr(R())
    repr(R())


def recursion_through_getattr():
    class G:
        def __getattr__(self, name):
            return getattr(self, name)
    G().missing


def recursion_through_descriptor():
    class D:
        def __get__(self, obj, owner):
            return obj.x

    class C:
        x = D()
    C().x


def recursion_through_import():
    # A finder whose find_spec imports again: importlib in C and Python between levels.
    import sys

    class Finder:
        n = 0

        def find_spec(self, name, path, target=None):
            if not name.startswith('stack_cases_deep_'):
                return None
            Finder.n += 1
            __import__('stack_cases_deep_%d' % Finder.n)

    finder = Finder()
    sys.meta_path.insert(0, finder)
    try:
        __import__('stack_cases_deep_0')
    finally:
        sys.meta_path.remove(finder)


java_call = None       # set by Tether's suite: a Java callable that calls its first argument with the rest


def recursion_through_java():
    # Python calls Java calls Python...: Java frames between the levels, which CPython <= 3.13 does not see.
    def f(n):
        return java_call(f, n + 1)
    f(0)


CASES = [repr_list, repr_dict, str_tuple, json_dumps, json_loads, pickle_dumps, pickle_loads, deepcopy, compare,
         isinstance_tuple, compile_parens, eval_unary, eval_not, compile_lambdas, compile_binops, recursion,
         recursion_through_repr, recursion_through_getattr, recursion_through_descriptor, recursion_through_import]

NAMES = [c.__name__ for c in CASES]

JAVA_NAMES = ['recursion_through_java']   # only under Tether


def outcome(case):
    """'raised <type>' or 'completed': what running case did, for the standalone driver."""
    try:
        case()
    except BaseException as e:
        return 'raised ' + type(e).__name__
    return 'completed'


if __name__ == '__main__':
    import sys
    import threading
    case = globals()[sys.argv[1]]
    if len(sys.argv) > 2:
        threading.stack_size(int(sys.argv[2]) * 1024)
        result = []
        t = threading.Thread(target=lambda: result.append(outcome(case)))
        t.start()
        t.join()
        print(result[0] if result else 'thread died', flush=True)
    else:
        print(outcome(case), flush=True)
