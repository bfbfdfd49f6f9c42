"""Provenance of results: the hash of the model's source, which every store, study and posterior
records. It is computed in the model (:func:`model.parameter_source.model_source_hash`), which
compares it with the model hash of the shipped calibrated values; re-exported here for studies."""

from __future__ import annotations

from model.parameter_source import model_source_hash

__all__ = ["model_source_hash"]
