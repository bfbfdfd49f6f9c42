"""Provenance of results: the hash of the model's source, which every store, study and posterior
records (a module of its own so that calibration and the batch engine both use it without importing
each other)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import model


@cache
def model_source_hash() -> str:
    """sha256 over the sorted ``model/*.py`` files of the imported ``model`` package (names and
    contents): two processes with the same hash run the same model."""
    h = hashlib.sha256()
    for path in sorted(Path(model.__file__).resolve().parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()
