"""Crafted bad files for the fuzz suite: damaged checkpoints, npz archives, IDX folders and CIFAR pickles.

Each builder writes under ``folder`` and returns the path to pass on the command line.
"""
from __future__ import annotations

import gzip
import io
import os
import pickle
import shutil
import struct
import zipfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

# ---------------------------------------------------------------- checkpoints


def _state(run: Path) -> dict[str, Any]:
    return torch.load(run / "checkpoint.pt", weights_only=True)


def _alone(folder: Path, write: Callable[[Path], None]) -> Path:
    """A run folder holding only checkpoint.pt (no checksum file, so the reader itself is exercised)."""
    folder.mkdir(parents=True)
    write(folder / "checkpoint.pt")
    return folder


def ckpt_truncated(run: Path, folder: Path) -> Path:
    blob = (run / "checkpoint.pt").read_bytes()
    return _alone(folder, lambda p: p.write_bytes(blob[: len(blob) // 2]))


def ckpt_empty(run: Path, folder: Path) -> Path:
    return _alone(folder, lambda p: p.write_bytes(b""))


def ckpt_random(run: Path, folder: Path) -> Path:
    return _alone(folder, lambda p: p.write_bytes(np.random.default_rng(0).bytes(4096)))


def ckpt_flipped(run: Path, folder: Path) -> Path:
    """The whole run folder with one byte of checkpoint.pt flipped: only the checksum can tell."""
    shutil.copytree(run, folder, ignore=shutil.ignore_patterns(".lock"))
    blob = bytearray((folder / "checkpoint.pt").read_bytes())
    blob[len(blob) // 2] ^= 0x01
    (folder / "checkpoint.pt").write_bytes(bytes(blob))
    return folder


def _edited(run: Path, folder: Path, edit: Callable[[dict[str, Any]], Any]) -> Path:
    state = _state(run)
    state = edit(state) or state
    return _alone(folder, lambda p: torch.save(state, p))


def ckpt_missing_keys(run: Path, folder: Path) -> Path:
    return _edited(run, folder, lambda s: {"format": 1, "config": s["config"]})


def ckpt_huge_in_shape(run: Path, folder: Path) -> Path:
    return _edited(run, folder, lambda s: s["task"].update(in_shape=[1, 100_000, 100_000]))


def ckpt_bad_state_dict(run: Path, folder: Path) -> Path:
    return _edited(run, folder, lambda s: s.update(model={k: torch.zeros(3) for k in s["model"]}))


def ckpt_not_a_dict(run: Path, folder: Path) -> Path:
    return _alone(folder, lambda p: torch.save([1, 2, 3], p))


def ckpt_unknown_config(run: Path, folder: Path) -> Path:
    return _edited(run, folder, lambda s: s["config"].update(nonsense=1))


def ckpt_code(run: Path, folder: Path) -> Path:
    """A pickle that would call os.system: weights_only loading must refuse it."""
    class Evil:
        def __reduce__(self):  # noqa: ANN204
            return (os.system, ("echo pwned",))

    return _alone(folder, lambda p: torch.save({"format": 1, "x": Evil()}, p))


CHECKPOINTS = {f.__name__: f for f in (ckpt_truncated, ckpt_empty, ckpt_random, ckpt_flipped, ckpt_missing_keys,
                                       ckpt_huge_in_shape, ckpt_bad_state_dict, ckpt_not_a_dict,
                                       ckpt_unknown_config, ckpt_code)}

# ---------------------------------------------------------------- npz


def npy_header_only(shape: tuple[int, ...], dtype: str = "|u1") -> bytes:
    """A .npy file whose header claims ``shape`` but which holds 16 data bytes."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buffer.getvalue() + bytes(16)


def npz_huge_header(folder: Path) -> Path:
    path = folder / "huge.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", npy_header_only((10**6, 1, 10**3, 10**3)))
        archive.writestr("y.npy", npy_header_only((10**6,), "<i8"))
    return path


def _npz(folder: Path, name: str, **arrays: Any) -> Path:
    path = folder / name
    np.savez(path, **arrays)
    return path


def npz_label_1e9(folder: Path) -> Path:
    return _npz(folder, "label.npz", x=np.zeros((4, 8, 8), np.uint8), y=np.array([0, 1, 2, 10**9]))


def npz_truncated(folder: Path) -> Path:
    path = _npz(folder, "full.npz", x=np.zeros((4, 8, 8), np.uint8), y=np.arange(4))
    blob = path.read_bytes()
    path.unlink()
    (folder / "truncated.npz").write_bytes(blob[: len(blob) // 2])
    return folder / "truncated.npz"


def npz_empty(folder: Path) -> Path:
    (folder / "empty.npz").write_bytes(b"")
    return folder / "empty.npz"


def npz_random(folder: Path) -> Path:
    (folder / "random.npz").write_bytes(np.random.default_rng(1).bytes(1000))
    return folder / "random.npz"


def npz_object_array(folder: Path) -> Path:
    return _npz(folder, "object.npz", x=np.array([None, 1], dtype=object), y=np.arange(2))


def npz_no_labels(folder: Path) -> Path:
    return _npz(folder, "nolabels.npz", x=np.zeros((4, 8, 8), np.uint8))


def npz_out_of_range(folder: Path) -> Path:
    return _npz(folder, "range.npz", x=np.full((4, 8, 8), 2.0), y=np.arange(4))


def npz_nan(folder: Path) -> Path:
    return _npz(folder, "nan.npz", x=np.full((4, 8, 8), np.nan), y=np.arange(4))


def npz_count_mismatch(folder: Path) -> Path:
    return _npz(folder, "count.npz", x=np.zeros((4, 8, 8), np.uint8), y=np.arange(3))


NPZ = {f.__name__: f for f in (npz_huge_header, npz_label_1e9, npz_truncated, npz_empty, npz_random,
                               npz_object_array, npz_no_labels, npz_out_of_range, npz_nan, npz_count_mismatch)}

# ---------------------------------------------------------------- IDX (Fashion-MNIST layout)


def idx_bytes(magic: int, dims: tuple[int, ...], payload: bytes) -> bytes:
    return struct.pack(">i", magic) + b"".join(struct.pack(">I", d) for d in dims) + payload


def _idx_folder(folder: Path, images: bytes, labels: bytes, gz: bool = False) -> Path:
    root = folder / "idx"
    root.mkdir()
    for stem, blob in (("train-images-idx3-ubyte", images), ("train-labels-idx1-ubyte", labels),
                       ("t10k-images-idx3-ubyte", images), ("t10k-labels-idx1-ubyte", labels)):
        (root / (stem + (".gz" if gz else ""))).write_bytes(gzip.compress(blob) if gz else blob)
    return root


GOOD_LABELS = idx_bytes(2049, (4,), bytes([0, 1, 2, 3]))


def idx_bad_magic(folder: Path) -> Path:
    return _idx_folder(folder, idx_bytes(1234, (4, 8, 8), bytes(256)), GOOD_LABELS)


def idx_truncated(folder: Path) -> Path:
    return _idx_folder(folder, idx_bytes(2051, (4, 8, 8), bytes(100)), GOOD_LABELS)


def idx_huge_dims(folder: Path) -> Path:
    return _idx_folder(folder, idx_bytes(2051, (100_000, 100_000, 100_000), bytes(64)), GOOD_LABELS)


def idx_empty(folder: Path) -> Path:
    return _idx_folder(folder, b"", GOOD_LABELS)


def idx_gzip_garbage(folder: Path) -> Path:
    root = _idx_folder(folder, idx_bytes(2051, (4, 8, 8), bytes(256)), GOOD_LABELS, gz=True)
    (root / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b" + bytes(50))
    return root


def idx_label_mismatch(folder: Path) -> Path:
    return _idx_folder(folder, idx_bytes(2051, (4, 8, 8), bytes(256)), idx_bytes(2049, (3,), bytes(3)))


def idx_bad_label(folder: Path) -> Path:
    return _idx_folder(folder, idx_bytes(2051, (4, 8, 8), bytes(256)), idx_bytes(2049, (4,), bytes([0, 1, 2, 99])))


IDX = {f.__name__: f for f in (idx_bad_magic, idx_truncated, idx_huge_dims, idx_empty, idx_gzip_garbage,
                               idx_label_mismatch, idx_bad_label)}

# ---------------------------------------------------------------- CIFAR-10 batches


def _cifar_folder(folder: Path, batch: bytes) -> Path:
    root = folder / "cifar-10-batches-py"
    root.mkdir()
    for name in [f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]:
        (root / name).write_bytes(batch)
    return root


def huge_array_pickle(shape: tuple[int, ...]) -> bytes:
    """A protocol-2 pickle calling numpy.core.multiarray._reconstruct(ndarray, shape, b'B') (a few dozen bytes)."""
    body = (b"\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n"
            + pickle.dumps(shape, protocol=2)[2:-1] + b"C\x01B\x87R")
    return b"\x80\x02}(C\x04data" + body[2:] + b"C\x06labels]u."


def nested_labels_pickle(depth: int, width: int) -> bytes:
    """{'data': uint8 (0, 3072), 'labels': [[...]...]}: nested lists sharing one memoized list per level."""
    level: Any = list(range(width))
    for _ in range(depth):
        level = [level] * width
    return pickle.dumps({"data": np.zeros((0, 3072), np.uint8), "labels": level}, protocol=2)


def ndarray_call_pickle(shape: tuple[int, ...]) -> bytes:
    """A pickle calling numpy.ndarray(shape) directly (an uninitialised allocation)."""
    return (b"\x80\x02}(C\x04datacnumpy\nndarray\n" + pickle.dumps(shape, protocol=2)[2:-1]
            + b"\x85RC\x06labels]u.")


def cifar_random(folder: Path) -> Path:
    return _cifar_folder(folder, np.random.default_rng(2).bytes(3000))


def cifar_code(folder: Path) -> Path:
    return _cifar_folder(folder, b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00echo\x85R.")


def cifar_huge_reconstruct(folder: Path) -> Path:
    return _cifar_folder(folder, huge_array_pickle((10**6, 3072)))


def cifar_ndarray_call(folder: Path) -> Path:
    return _cifar_folder(folder, ndarray_call_pickle((10**6, 3072)))


def cifar_nested_labels(folder: Path) -> Path:
    return _cifar_folder(folder, nested_labels_pickle(3, 100))


def cifar_not_a_dict(folder: Path) -> Path:
    return _cifar_folder(folder, pickle.dumps([1, 2], protocol=2))


CIFAR = {f.__name__: f for f in (cifar_random, cifar_code, cifar_huge_reconstruct, cifar_ndarray_call,
                                 cifar_nested_labels, cifar_not_a_dict)}
