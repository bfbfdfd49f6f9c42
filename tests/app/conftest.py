"""Every app test runs against a small posterior built here for the current model (the shipped one
may be being rebuilt), named by ``STEPPE_POSTERIOR`` so that the page, ``steppe report`` and the
browser test's server all use it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from app.posterior import POSTERIOR_ENV
from app.service import AppService
from calibration.posterior import FORMAT, model_hash, write_posterior
from calibration.space import scalar_space

PARAMS = ("counties.rural_coverage_pastoral", "counties.rural_coverage_agro", "counties.rural_coverage_urban")
FRACTIONS = (0.05, 0.35, 0.65, 0.95)   # one row per fraction of each prior range


def make_posterior(folder: Path, model_sha256: str | None = None) -> Path:
    """Four equally weighted parameter sets spread over the priors of three parameters."""
    priors = {v.name: v.prior for v in scalar_space().variables}
    rows = {n: [priors[n][0] + f * (priors[n][1] - priors[n][0]) for f in FRACTIONS] for n in PARAMS}
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"format": FORMAT, "model_sha256": model_sha256 or model_hash(), "created": "2026-11-30T08:00:00Z",
                "runs": {"abc": 321}, "posterior_rows": len(FRACTIONS), "posterior_ess": 3.9}
    write_posterior(folder, pd.DataFrame({**rows, "weight": [1.0] * len(FRACTIONS)}), manifest)
    return folder


@pytest.fixture(scope="session")
def small_posterior(tmp_path_factory) -> Path:
    return make_posterior(tmp_path_factory.mktemp("posterior") / "post")


@pytest.fixture(scope="module", autouse=True)
def _use_small_posterior(small_posterior):
    """Per module of tests/app, so that the variable does not leak into the tests run after them."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(POSTERIOR_ENV, str(small_posterior))
        yield


@pytest.fixture(scope="module")
def svc():
    """One in-process app service (one worker) per test module."""
    s = AppService(workers=1)
    yield s
    s.close()


def open_page(packages_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """The page run once in Streamlit's AppTest, saving packages to ``packages_dir``, one worker."""
    from streamlit.testing.v1 import AppTest

    from app.server import MAIN

    monkeypatch.setenv("STEPPE_PACKAGES_DIR", str(packages_dir))
    monkeypatch.setenv("STEPPE_APP_WORKERS", "1")
    app = AppTest.from_file(str(MAIN), default_timeout=120)
    app.run()
    assert not app.exception, app.exception
    return app
