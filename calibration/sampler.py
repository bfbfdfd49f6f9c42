"""A pyabc sampler whose result does not depend on the executor or the number of workers.

pyabc's own parallel samplers accept whichever particle finishes first and seed every worker from
the clock, so two calibrations with the same seed on 2 workers (or on Dask) give two posteriors.
:class:`OrderedSampler` instead evaluates the candidate particles of a generation in batches of
fixed size, in index order; particle ``i`` of generation ``t`` draws everything (its proposal from
the previous population, the simulation's seed) from the legacy numpy stream seeded with
:func:`particle_seed` ``(seed, t, i)``; results come back in index order, and the first ``n``
accepted particles in index order form the population. Candidates evaluated beyond the ``n``-th
acceptance are discarded (not counted), so the population, the number of evaluations and hence the
epsilon schedule are the same on 1 worker, on a local pool and on Dask.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import numpy as np
from pyabc.sampler import Sampler

_TAG = 0xABC5


def particle_seed(seed: int, t: int, i: int) -> int:
    """The seed of candidate ``i`` of generation ``t`` (calibration seed ``seed``; ``t = -1`` is
    pyabc's calibration sample): a 32-bit value, as the legacy ``np.random.seed`` takes."""
    return int(np.random.SeedSequence([seed, _TAG, t + 1, i]).generate_state(1, np.uint32)[0])


def _simulate_indices(payload: bytes, seeds: list[int]) -> list[Any]:
    """Evaluate candidates with these seeds, in order (runs in a worker)."""
    import cloudpickle

    simulate_one = cloudpickle.loads(payload)
    out = []
    for s in seeds:
        np.random.seed(s)
        random.seed(s)
        out.append(simulate_one())
    return out


class OrderedSampler(Sampler):
    """Deterministic pyabc sampler on the project's engines (:mod:`studies.engines`).

    ``engine`` is a callable returning an engine (``submit``/``wait``/``close``); ``batch`` is the
    number of candidates evaluated per round (fixed, never derived from the worker count);
    ``chunk`` how many candidates one task evaluates."""

    def __init__(self, seed: int, engine: Callable[[], Any], batch: int | None = None, chunk: int = 4) -> None:
        super().__init__()
        self.seed, self.make_engine, self.batch, self.chunk = int(seed), engine, batch, chunk
        self._engine: Any = None

    def _evaluate(self, payload: bytes, seeds: list[int]) -> list[Any]:
        if self._engine is None:
            self._engine = self.make_engine()
        engine = self._engine
        parts = [seeds[a:a + self.chunk] for a in range(0, len(seeds), self.chunk)]
        futs = {engine.submit(_simulate_indices, payload, p): j for j, p in enumerate(parts)}
        out: list[list[Any] | None] = [None] * len(parts)
        pending = set(futs)
        try:
            while pending:
                done, pending = engine.wait(pending, timeout=1.0)
                for f in done:
                    out[futs[f]] = f.result()
        except BaseException:
            self.stop(cancel=True)
            raise
        return [p for part in out for p in part]  # type: ignore[union-attr]

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                ana_vars=None):
        import cloudpickle

        payload = cloudpickle.dumps(simulate_one)
        sample = self._create_empty_sample()
        batch = self.batch or max(n, 1)
        accepted = evaluated = start = 0
        while accepted < n and evaluated < max_eval:
            # never simulate past the budget: the last batch is cut to the evaluations left (the
            # seeds are per index, so a cut batch gives the same particles as a whole one)
            size = batch if max_eval == np.inf else max(1, min(batch, int(max_eval) - evaluated))
            seeds = [particle_seed(self.seed, t, i) for i in range(start, start + size)]
            for particle in self._evaluate(payload, seeds):
                if accepted >= n or evaluated >= max_eval:
                    break
                sample.append(particle)
                evaluated += 1
                accepted += bool(particle.accepted)
            start += size
        self.nr_evaluations_ = evaluated
        if accepted < n:
            sample.ok = False
        return sample

    def stop(self, cancel: bool = False) -> None:
        if self._engine is not None:
            self._engine.close(cancel=cancel)
            self._engine = None
