"""Building Python ASTs on the grade command's threads, one at a time.

CPython 3.11 keeps the AST builder's recursion depth in state shared by
all threads. When a thread switch lands in the middle of ast.parse (a
garbage collection running Python code is enough), the other thread's
parse fails with "SystemError: AST constructor recursion depth mismatch"
(python/cpython#106905). The judge parses test cells on several threads,
and formatting a traceback parses too (3.11's caret anchors), so all of
these take turns on one lock.
"""
from __future__ import annotations

import ast
import threading
import traceback

LOCK = threading.Lock()


def parse(source: str) -> ast.Module:
    """ast.parse, safe on any thread."""
    with LOCK:
        return ast.parse(source)


def compile_source(source: str, filename: str):
    """compile(source, filename, "exec"), safe on any thread."""
    with LOCK:
        return compile(source, filename, "exec")


def format_exception(exc: BaseException) -> str:
    """traceback.format_exception joined, safe on any thread."""
    with LOCK:
        return "".join(traceback.format_exception(exc))
