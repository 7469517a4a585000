"""Messages between the trusted grader and the sandboxed worker.

A frame is ``>II`` (header length, payload length), a JSON header and a
binary payload holding the bytes of every array in the message. Values are
plain data only: None, bool, int, float, str, tuples, lists, dicts with
str keys, NumPy scalars and numeric arrays. Anything else a student's
function returns travels as an :class:`Opaque` that keeps only its type
name. Decoding never runs code (no pickle) and checks every size, so the
grader can read what a student process wrote.
"""
from __future__ import annotations

import json
import math
import struct

import numpy as np

HEADER = struct.Struct(">II")
#: Largest JSON part: a cell's capped outputs (2 MB of text may grow to
#: six times that as JSON escapes).
MAX_HEADER = 32 * 1024 ** 2
#: Largest array data in one frame (the cost checks send ~1 MB).
MAX_PAYLOAD = 64 * 1024 ** 2
MAX_DEPTH = 16
MAX_STR = 100_000
#: Array kinds that travel: bool, signed, unsigned, float, complex.
KINDS = "biufc"


class WireError(ValueError):
    """A frame or value that breaks the protocol."""


class Opaque:
    """Stands for a returned object that is not plain data."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name} object>"


Opaque.__name__ = "object"


# -- values ------------------------------------------------------------------

def _encode(value, blobs: list[bytes], offset: list[int], depth: int):
    if depth > MAX_DEPTH:
        return {"__opaque__": "deeply nested object"}
    if value is None or type(value) is bool:
        return value
    if type(value) is str:
        return value[:MAX_STR]
    if type(value) is int:
        return value if abs(value) < 2 ** 63 else float(value)
    if type(value) is float:
        return _float(value)
    if isinstance(value, np.generic) and value.dtype.kind in KINDS:
        return {"__np__": value.dtype.str,
                "v": _encode(value.item(), blobs, offset, depth + 1)}
    if type(value) is np.ndarray and value.dtype.kind in KINDS:
        arr = value if value.flags.c_contiguous else value.copy(order="C")
        data = arr.tobytes()
        blobs.append(data)
        ref = {"__nd__": arr.dtype.str, "shape": list(arr.shape),
               "at": offset[0], "n": len(data)}
        offset[0] += len(data)
        return ref
    if type(value) in (tuple, list):
        items = [_encode(v, blobs, offset, depth + 1) for v in value]
        return {"__tuple__": items} if type(value) is tuple else items
    if type(value) is dict and all(type(k) is str for k in value):
        return {"__dict__": [[k, _encode(v, blobs, offset, depth + 1)]
                             for k, v in value.items()]}
    if type(value) is complex:
        return {"__np__": "<c16", "v": [_float(value.real),
                                         _float(value.imag)]}
    return {"__opaque__": type(value).__name__[:100]}


def _float(x: float):
    if math.isfinite(x):
        return x
    return {"__float__": "nan" if math.isnan(x) else
            ("inf" if x > 0 else "-inf")}


def _decode(obj, payload: memoryview, depth: int):
    if depth > MAX_DEPTH:
        # below the limit only the marker _encode puts there may stand
        if isinstance(obj, dict) and list(obj) == ["__opaque__"]:
            return Opaque(str(obj["__opaque__"])[:100])
        raise WireError("value nested too deeply")
    if obj is None or isinstance(obj, (bool, int, float)):
        return obj
    if isinstance(obj, str):
        if len(obj) > MAX_STR:
            raise WireError("string too long")
        return obj
    if isinstance(obj, list):
        return [_decode(v, payload, depth + 1) for v in obj]
    if not isinstance(obj, dict) or len(obj) > 4:
        raise WireError("malformed value")
    if "__float__" in obj:
        return float(_one_of(obj["__float__"], ("nan", "inf", "-inf")))
    if "__tuple__" in obj:
        return tuple(_decode(v, payload, depth + 1)
                     for v in _list(obj["__tuple__"]))
    if "__dict__" in obj:
        out = {}
        for pair in _list(obj["__dict__"]):
            if not (isinstance(pair, list) and len(pair) == 2
                    and isinstance(pair[0], str)):
                raise WireError("malformed dict")
            out[pair[0]] = _decode(pair[1], payload, depth + 1)
        return out
    if "__opaque__" in obj:
        return Opaque(str(obj["__opaque__"])[:100])
    if "__np__" in obj:
        dtype = _dtype(obj["__np__"])
        v = _decode(obj.get("v"), payload, depth + 1)
        if dtype.kind == "c":
            v = complex(*v) if isinstance(v, list) and len(v) == 2 else v
        if not isinstance(v, (bool, int, float, complex)):
            raise WireError("malformed scalar")
        return dtype.type(v)
    if "__nd__" in obj:
        return _array(obj, payload)
    raise WireError("unknown value tag")


def _array(obj: dict, payload: memoryview) -> np.ndarray:
    dtype = _dtype(obj["__nd__"])
    shape = obj.get("shape")
    at, n = obj.get("at"), obj.get("n")
    if not (isinstance(shape, list) and len(shape) <= 32 and all(
            type(s) is int and s >= 0 for s in shape)
            and type(at) is int and type(n) is int and at >= 0):
        raise WireError("malformed array")
    count = math.prod(shape)
    if count * dtype.itemsize != n or at + n > len(payload):
        raise WireError("array size does not match its data")
    return np.frombuffer(payload[at:at + n], dtype=dtype).reshape(
        tuple(shape)).copy()


def _dtype(text) -> np.dtype:
    if not isinstance(text, str) or len(text) > 8:
        raise WireError("malformed dtype")
    try:
        dtype = np.dtype(text)
    except TypeError:
        raise WireError(f"unknown dtype {text!r}") from None
    if dtype.kind not in KINDS or dtype.fields is not None:
        raise WireError(f"dtype {text!r} is not numeric")
    return dtype


def _list(obj) -> list:
    if not isinstance(obj, list):
        raise WireError("expected a list")
    return obj


def _one_of(value, options):
    if value not in options:
        raise WireError("malformed float")
    return value


# -- frames ------------------------------------------------------------------

def pack(message: dict, values: dict | None = None) -> bytes:
    """One frame: ``message`` (plain JSON) plus ``values`` encoded."""
    blobs: list[bytes] = []
    offset = [0]
    body = dict(message)
    if values:
        body["values"] = {k: _encode(v, blobs, offset, 0)
                          for k, v in values.items()}
    header = json.dumps(body, allow_nan=False).encode()
    payload = b"".join(blobs)
    return HEADER.pack(len(header), len(payload)) + header + payload


def unpack(header: bytes, payload: bytes) -> dict:
    """Decode a frame's parts; values land in ``message["values"]``."""
    try:
        message = json.loads(header)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WireError(f"malformed header: {exc}") from None
    if not isinstance(message, dict):
        raise WireError("header is not an object")
    if "values" in message:
        if not isinstance(message["values"], dict):
            raise WireError("malformed values")
        view = memoryview(payload)
        message["values"] = {str(k): _decode(v, view, 0)
                             for k, v in message["values"].items()}
    return message


def read_frame(read_exactly) -> dict:
    """Read one frame with ``read_exactly(n) -> bytes`` (raises EOFError)."""
    head_len, pay_len = HEADER.unpack(read_exactly(HEADER.size))
    if head_len > MAX_HEADER or pay_len > MAX_PAYLOAD:
        raise WireError(f"frame too large ({head_len} + {pay_len} bytes)")
    header = read_exactly(head_len)
    payload = read_exactly(pay_len)
    return unpack(header, payload)


def file_reader(f):
    """``read_exactly`` over a binary file object."""
    def read_exactly(n: int) -> bytes:
        chunks, left = [], n
        while left:
            chunk = f.read(left)
            if not chunk:
                raise EOFError("the other side closed the channel")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    return read_exactly
