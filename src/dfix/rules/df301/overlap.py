"""Whether an ignore pattern can drop anything a path or glob reaches, with no file to test on.

DF301 must judge the context as it may be (DESIGN.md §1): a gitignored ``.env`` is not
in the bot's checkout, so testing patterns against the files present proves nothing.
Both sides are globs over slash paths (an ignore pattern with ``**``; a COPY source or a
named path, where ``*`` stops at ``/``), so the question is whether two regular
languages meet.  Each side is extended by "or anything below it" (an ignore pattern
drops a directory's contents; a copied directory brings its contents), and the two token
lists are intersected with a memoised walk: linear in the product of their lengths,
never backtracking.
"""

from __future__ import annotations

import functools

ANY = ("any",)  # any string, slashes included (``**`` at the end)
ANY_DIR = ("anydir",)  # nothing, or any string then the "/" that follows it (``**/``); always followed by "/"
SEGMENT = ("seg",)  # any string without a slash (``*``)
ONE = ("one",)  # one character that is not a slash (``?`` or a class: treated as any, which fails closed)
WILD = (ANY, SEGMENT)
MAX_TOKENS = 300  # past this (hostile input) the answer is "they may overlap": fail closed, no deep walk


def _tokens(pattern: str, *, double_star: bool) -> tuple:
    """The pattern as tokens; Docker's `**` (patternmatcher) is ANY at the end, else "any folders"."""
    out: list = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            j = i
            while j < n and pattern[j] == "*":
                j += 1
            if double_star and j - i >= 2:
                if j < n and pattern[j] == "/":
                    j += 1
                out.extend([ANY] if j >= n else [ANY_DIR, "/"])
            else:
                out.append(SEGMENT)
            i = j
        elif ch == "?":
            out.append(ONE)
            i += 1
        elif ch == "[":
            end = pattern.find("]", i + 2)
            out.append(ONE if end > 0 else "[")
            i = end + 1 if end > 0 else i + 1
        elif ch == "\\" and i + 1 < n:
            out.append(pattern[i + 1])
            i += 2
        else:
            out.append(ch)
            i += 1
    return tuple(out)


@functools.lru_cache(maxsize=4096)
def overlaps(ignore_pattern: str, path_glob: str, below: bool = True) -> bool:
    """Whether ``ignore_pattern`` (Docker ignore syntax) excludes something ``path_glob`` reaches.

    The ignore side gets "/" ANY appended (it drops what is below a folder it matches);
    with ``below`` the path side does too (a copied folder brings what is below it).
    ``.`` is the whole context, which reaches everything.
    """
    glob = path_glob.strip("/")
    if glob in ("", "."):
        return True
    a = _tokens(ignore_pattern, double_star=True) + ("/", ANY)
    b = _tokens(glob, double_star=False) + (("/", ANY) if below else ())
    if len(a) > MAX_TOKENS or len(b) > MAX_TOKENS:
        return True
    return _meet(a, b, len(b) - 2 if below else len(b))


def _meet(a: tuple, b: tuple, stop_b: int) -> bool:
    """Some string matches both token lists (``a`` may end before its trailing "/" ANY, ``b`` at ``stop_b``)."""
    stop_a = len(a) - 2

    @functools.lru_cache(maxsize=None)
    def walk(i: int, j: int, began_a: bool = False, began_b: bool = False) -> bool:
        """``began_*``: the wildcard at ``i``/``j`` has swallowed something (an ANY_DIR can no longer be empty)."""
        if i in (stop_a, len(a)) and j in (stop_b, len(b)):
            return True
        x = a[i] if i < len(a) else None
        y = b[j] if j < len(b) else None
        if x == ANY_DIR and not began_a and walk(i + 2, j):  # it matches nothing: skip it and its "/"
            return True
        if y == ANY_DIR and not began_b and walk(i, j + 2):
            return True
        if x in WILD or x == ANY_DIR:
            if walk(i + 1, j, False, began_b if y is not None else False):  # it stops here
                return True
            if y is not None and _fits(x, y) and walk(i, j + 1, True, False):  # it swallows b's next token
                return True
        if y in WILD or y == ANY_DIR:
            if walk(i, j + 1, began_a, False):
                return True
            if x is not None and _fits(y, x) and walk(i + 1, j, False, True):
                return True
        if x is not None and y is not None and x not in WILD and y not in WILD and ANY_DIR not in (x, y):
            return _same_char(x, y) and walk(i + 1, j + 1)
        return False

    return walk(0, 0)


def _fits(wildcard: tuple, token) -> bool:
    """Whether ``wildcard`` can swallow ``token`` (a character, ONE, or the other side's wildcard)."""
    if wildcard in (ANY, ANY_DIR):
        return True
    return token not in ("/", ANY, ANY_DIR)  # a segment wildcard never crosses a slash


def _same_char(x, y) -> bool:
    if x == ONE or y == ONE:
        return x != "/" and y != "/"
    return x == y
