"""The wire format between grader and worker (autograder.worker.wire):
frames, size limits, Opaque, round trips and malformed input.
tests/test_remote.py round-trips the common values; here the edges."""
from __future__ import annotations

import io
import json
import struct

import numpy as np
import pytest

from autograder.worker import wire


def parts(frame: bytes) -> tuple[bytes, bytes]:
    head, pay = wire.HEADER.unpack(frame[:wire.HEADER.size])
    body = frame[wire.HEADER.size:]
    assert len(body) == head + pay
    return body[:head], body[head:]


def values(raw: dict, payload: bytes = b"") -> dict:
    header = json.dumps({"values": raw}).encode()
    return wire.unpack(header, payload)["values"]


def test_a_frame_is_lengths_then_json_then_array_bytes():
    arr = np.arange(3, dtype="<i4")
    frame = wire.pack({"op": "call", "name": "f"}, {"x": arr})
    header, payload = parts(frame)
    body = json.loads(header)
    assert body["op"] == "call" and body["name"] == "f"
    assert body["values"]["x"] == {"__nd__": "<i4", "shape": [3],
                                   "at": 0, "n": 12}
    assert payload == arr.tobytes()


def test_a_message_without_values_has_an_empty_payload():
    header, payload = parts(wire.pack({"op": "ping"}))
    assert json.loads(header) == {"op": "ping"} and payload == b""


def test_several_arrays_share_one_payload_at_their_offsets():
    a, b = np.ones((2, 2)), np.arange(5, dtype=np.uint8)
    header, payload = parts(wire.pack({}, {"a": a, "b": [b, a.T]}))
    got = wire.unpack(header, payload)["values"]
    assert np.array_equal(got["a"], a)
    assert np.array_equal(got["b"][0], b) and got["b"][0].dtype == np.uint8
    # a transposed view travels as a C-ordered copy
    assert np.array_equal(got["b"][1], a.T)
    assert len(payload) == 2 * a.nbytes + b.nbytes


def test_decoded_arrays_are_writable_copies():
    header, payload = parts(wire.pack({}, {"a": np.zeros(2)}))
    arr = wire.unpack(header, payload)["values"]["a"]
    assert arr.flags.writeable and arr.base is None


def test_complex_and_big_integers():
    got = values({"c": {"__np__": "<c16", "v": [1.0, -2.0]}})["c"]
    assert got == np.complex128(1 - 2j)
    header, payload = parts(wire.pack({}, {"c": 3 + 4j, "n": 2 ** 70}))
    got = wire.unpack(header, payload)["values"]
    assert got["c"] == 3 + 4j
    assert type(got["n"]) is float and got["n"] == float(2 ** 70)


def test_long_strings_are_cut():
    header, payload = parts(wire.pack(
        {}, {"s": "x" * (wire.MAX_STR + 10)}))
    assert len(wire.unpack(header, payload)["values"]["s"]) == wire.MAX_STR


def test_nesting_up_to_the_limit_round_trips():
    deep: list = []
    for _ in range(wire.MAX_DEPTH):
        deep = [deep]
    header, payload = parts(wire.pack({}, {"d": deep}))
    assert wire.unpack(header, payload)["values"]["d"] == deep


def test_deeper_nesting_becomes_opaque():
    deep: list = []
    for _ in range(wire.MAX_DEPTH + 5):
        deep = [deep]
    header, payload = parts(wire.pack({}, {"d": deep}))
    got = wire.unpack(header, payload)["values"]["d"]
    while isinstance(got, list):
        got = got[0]
    assert isinstance(got, wire.Opaque)


def test_opaque_keeps_only_a_type_name():
    class Model:
        secret = "do not send"

    header, payload = parts(wire.pack({}, {"m": Model(), "k": {1: 2}}))
    assert b"do not send" not in header
    got = wire.unpack(header, payload)["values"]
    assert repr(got["m"]) == "<Model object>"
    assert got["k"].type_name == "dict"     # non-str keys: not plain data
    assert wire.Opaque.__name__ == "object"
    long = values({"o": {"__opaque__": "T" * 500}})["o"]
    assert len(long.type_name) == 100


def test_nan_never_reaches_json_as_a_bare_token():
    header, _ = parts(wire.pack({}, {"x": float("nan"),
                                     "y": np.float64("-inf")}))
    assert b"NaN" not in header and b"Infinity" not in header


@pytest.mark.parametrize("raw", [
    {"__float__": "NaN"},                           # not one of three
    {"__tuple__": "abc"},                           # not a list
    {"__dict__": [["a"]]},                          # not a pair
    {"__dict__": [[1, 2]]},                         # key not a string
    {"__np__": "<f8", "v": "1.0"},                  # scalar not a number
    {"__np__": "|O", "v": 1},                       # object dtype
    {"__np__": "V8", "v": 1},                       # void dtype
    {"__np__": "not-a-dtype", "v": 1},
    {"__np__": "<f8" * 4, "v": 1},                  # dtype text too long
    {"__nd__": "<f8", "shape": [-1], "at": 0, "n": 0},
    {"__nd__": "<f8", "shape": [1.5], "at": 0, "n": 8},
    {"__nd__": "<f8", "shape": [1] * 33, "at": 0, "n": 8},
    {"__nd__": "<f8", "shape": [2], "at": 0, "n": 8},   # size mismatch
    {"__nd__": "<f8", "shape": [1], "at": -8, "n": 8},
    {"__nd__": "<f8", "shape": [1], "at": 8, "n": 8},   # past the payload
    {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5},       # too many keys
    {"__unknown__": 1},
    "x" * (wire.MAX_STR + 1),
])
def test_malformed_values_raise_wire_error(raw):
    with pytest.raises(wire.WireError):
        values({"v": raw}, payload=b"\0" * 8)


@pytest.mark.parametrize("header", [
    b"\xff\xfe", b"null", b'"text"', b'{"values": [1]}'])
def test_malformed_headers_raise_wire_error(header):
    with pytest.raises(wire.WireError):
        wire.unpack(header, b"")


def test_read_frame_checks_both_limits_before_reading_on():
    for sizes in ((wire.MAX_HEADER + 1, 0), (2, wire.MAX_PAYLOAD + 1)):
        stream = io.BytesIO(struct.pack(">II", *sizes))
        with pytest.raises(wire.WireError, match="too large"):
            wire.read_frame(wire.file_reader(stream))
        assert stream.read() == b""         # nothing read past the lengths


class Trickle(io.RawIOBase):
    """A stream that returns at most three bytes a read."""

    def __init__(self, data: bytes):
        self.data = data

    def readinto(self, buffer) -> int:
        n = min(3, len(buffer), len(self.data))
        buffer[:n], self.data = self.data[:n], self.data[n:]
        return n

    def readable(self) -> bool:
        return True


def test_file_reader_reassembles_short_reads_frame_by_frame():
    one = wire.pack({"op": "a"}, {"x": np.arange(4.0)})
    two = wire.pack({"op": "b"})
    read = wire.file_reader(Trickle(one + two))
    first = wire.read_frame(read)
    assert first["op"] == "a" and np.array_equal(first["values"]["x"],
                                                 np.arange(4.0))
    assert wire.read_frame(read) == {"op": "b"}
    with pytest.raises(EOFError):
        wire.read_frame(read)


def test_a_frame_cut_short_is_an_eof():
    frame = wire.pack({"op": "a"}, {"x": np.arange(4.0)})
    with pytest.raises(EOFError):
        wire.read_frame(wire.file_reader(io.BytesIO(frame[:-1])))
