"""Digital Steppe: an agent-based model of the digital economy of Xilingol League.

``from model import simulate`` runs the model once in process (see :mod:`model.run` and
``docs/API.md``); ``from model import PROBLEM`` is the problem definition. Both are imported on
first use (PEP 562), so that ``import model`` stays cheap for tools that need only a part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["PROBLEM", "RunResult", "SettingError", "outcomes_of", "simulate"]

_LAZY = {"simulate": "model.run", "RunResult": "model.run", "PROBLEM": "model.problem",
         "outcomes_of": "model.problem", "SettingError": "model.settings"}

if TYPE_CHECKING:
    from model.problem import PROBLEM, outcomes_of
    from model.run import RunResult, simulate
    from model.settings import SettingError


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'model' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
