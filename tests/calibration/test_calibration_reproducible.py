"""The same seed gives a bit-identical posterior on 1 worker, 2 local workers and Dask (tiny problem:
two parameters, four synthetic targets, 10 particles, 2 generations, scale 0.02)."""

from __future__ import annotations

import hashlib
import time

import pytest
from test_calibration_recovery import TRUTH, synthetic_targets

from calibration.abc import Progress, Runner, Settings, run_abc
from calibration.sampler import particle_seed
from calibration.space import scalar_space


def posterior_hash(tmp_path, runner: Runner, seed: int = 5) -> tuple[str, dict]:
    tmp_path.mkdir(parents=True)
    space = scalar_space().subset(list(TRUTH))
    targets = synthetic_targets(TRUTH, 0.02, range(900, 903))
    settings = Settings(scale=0.02, population=10, max_generations=2, min_epsilon=0.0, budget_runs=None,
                        budget_minutes=None, seed=seed)
    try:
        post, facts = run_abc(space, targets, settings, runner, tmp_path, lambda s: None,
                              Progress(time.monotonic(), None, None, 0))
    finally:
        runner.close()
    digest = hashlib.sha256(post.to_numpy(dtype=float).tobytes()).hexdigest()
    return digest, facts


def test_particle_seeds_depend_on_seed_generation_and_index_only():
    assert particle_seed(1, 0, 3) == particle_seed(1, 0, 3)
    assert len({particle_seed(1, 0, 3), particle_seed(2, 0, 3), particle_seed(1, 1, 3), particle_seed(1, 0, 4)}) == 4


def test_one_and_two_workers_give_the_same_posterior(tmp_path):
    one, f1 = posterior_hash(tmp_path / "w1", Runner(workers=1))
    two, f2 = posterior_hash(tmp_path / "w2", Runner(workers=2))
    assert f1["epsilons"] == f2["epsilons"] and f1["abc_runs"] == f2["abc_runs"]
    assert one == two


def test_dask_gives_the_same_posterior(tmp_path):
    pytest.importorskip("distributed")
    one, _ = posterior_hash(tmp_path / "w1", Runner(workers=1))
    dask, _ = posterior_hash(tmp_path / "dask", Runner(dask_local=2))
    assert one == dask
