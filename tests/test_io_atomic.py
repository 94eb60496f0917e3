"""Atomic writes and strict reads of msda_theory.io: unique temp names within 255 bytes, one rename per write,
no reader ever sees half a file, and read_json refuses what the writer never emits."""
from __future__ import annotations

import multiprocessing
import os
import threading

import pytest

from msda_theory.io import MAX_JSON_BYTES, TEMP_NAME_BYTES, read_json, temp_path, write_json_atomic, write_text_atomic

WRITES = 50
SIZE = 1_000_000  # characters per version: large enough that a non-atomic write is seen half done


def _version(writer: int, i: int) -> str:
    return f"{writer}:{i}\n" + chr(ord("a") + writer) * SIZE + "\nend\n"


def _write_many(path: str, writer: int, start: "multiprocessing.synchronize.Barrier") -> None:
    start.wait()  # both writers begin together, so their writes overlap
    for i in range(WRITES):
        write_text_atomic(path, _version(writer, i))


@pytest.mark.parametrize("name", ["a" * 248 + ".json", "a" * 250 + ".json", "é" * 126 + ".j", "日" * 85, "x"])
def test_temp_names_fit_255_bytes_for_any_legal_target_name(tmp_path, name) -> None:
    assert len(os.fsencode(name)) <= 255
    tmp = temp_path(tmp_path / name)
    assert tmp.parent == tmp_path and len(os.fsencode(tmp.name)) <= TEMP_NAME_BYTES and tmp.is_file()
    assert tmp.name.startswith(".") and tmp.name.endswith(".tmp")
    write_json_atomic(tmp_path / name, {"ok": 1})
    assert read_json(tmp_path / name) == {"ok": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, tmp.name])


def test_temp_names_are_unique_per_call(tmp_path) -> None:
    names = {temp_path(tmp_path / "ledger.md").name for _ in range(100)}
    assert len(names) == 100 and all(f".{os.getpid()}." in n for n in names)


def test_two_writer_processes_and_a_reader_never_see_a_partial_file(tmp_path) -> None:
    path = tmp_path / "paper_checks.md"
    write_text_atomic(path, _version(0, -1))
    valid = {_version(w, i) for w in (0, 1) for i in range(-1, WRITES)}
    seen, partial, stop = [0], [], threading.Event()

    def read() -> None:
        while not stop.is_set():
            text = path.read_text()
            seen[0] += 1
            if text not in valid:
                partial.append(len(text))

    reader = threading.Thread(target=read)
    reader.start()
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(2)
    writers = [ctx.Process(target=_write_many, args=(str(path), w, start)) for w in (0, 1)]
    for p in writers:
        p.start()
    for p in writers:
        p.join(120)
    stop.set()
    reader.join()
    assert [p.exitcode for p in writers] == [0, 0]  # no FileNotFoundError from a shared temp name
    assert partial == [] and seen[0] > 0
    assert path.read_text() in {_version(0, WRITES - 1), _version(1, WRITES - 1)}
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp file left


@pytest.mark.parametrize("text, message", [
    ('{"a": NaN}', r"the literal NaN is not JSON"),
    ('{"a": [Infinity]}', r"the literal Infinity is not JSON"),
    ('{"a": -Infinity}', r"the literal -Infinity is not JSON"),
    ("[" * 100_000 + "]" * 100_000, r"nested too deeply"),
    ('{"a": 1', r"is not valid JSON \(Expecting"),
])
def test_read_json_refuses_what_the_writer_never_emits(tmp_path, text, message) -> None:
    path = tmp_path / "r.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_json(path)


def test_read_json_refuses_non_files_and_huge_files_unread(tmp_path) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"fifo.json is not a regular file"):
        read_json(fifo)  # opened non-blocking: no writer needed, no hang
    with pytest.raises(ValueError, match=r"is not a regular file"):
        read_json(tmp_path)
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as handle:
        handle.truncate(MAX_JSON_BYTES + 1)  # sparse: no disk used
    with pytest.raises(ValueError, match=rf"holds {MAX_JSON_BYTES + 1} bytes, over the cap of {MAX_JSON_BYTES}"):
        read_json(huge)
    small = tmp_path / "small.json"
    small.write_text('{"a": 12345}')
    with pytest.raises(ValueError, match=r"holds 12 bytes, over the cap of 11"):
        read_json(small, max_bytes=11)
    assert read_json(small, max_bytes=12) == {"a": 12345}
