"""Image data sets as float32 (N, C, H, W) in [0, 1] with int64 labels (N,).

``load(name, root=None, split="train")`` reads ``digits`` (bundled, the
default), ``fashion-mnist``, ``cifar10``, ``cifar100`` or ``npz:PATH``;
``available(name)`` says whether the files exist; ``load_sample_photos()``
gives the two scikit-learn photographs for mask illustrations.
"""
from ._dataset import MAX_CLASSES, Dataset
from .bundled import load_sample_photos
from .registry import DATASETS, available, load

__all__ = ["DATASETS", "MAX_CLASSES", "Dataset", "available", "load", "load_sample_photos"]
