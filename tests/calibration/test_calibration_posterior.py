"""The shipped posterior belongs to this model; the loader refuses posteriors it cannot use; run
and batch use the posterior."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from calibration.posterior import (
    SHIPPED,
    PosteriorError,
    central,
    draw,
    load_posterior,
    model_hash,
    write_posterior,
)
from calibration.space import apply_unless_set, scalar_space
from model.scenario import Scenario, parse_scenario


@pytest.mark.release
def test_shipped_posterior_matches_the_current_model():
    """A change of model/*.py changes the hash: rebuild the posterior with
    `python experiments/calibrate_posterior.py` (docs/CALIBRATION.md). A release check (`make
    test-release`): between a model change and the rebuild the shipped values are stale, which runs
    state ("stale" in the parameter-source phrase) but which the default suite does not fail on."""
    manifest = json.loads((SHIPPED / "manifest.json").read_text())
    assert manifest["model_sha256"] == model_hash(), (
        "the shipped posterior was calibrated on another model version; rebuild it with "
        "python experiments/calibrate_posterior.py")
    post = load_posterior()
    assert abs(post.frame["weight"].sum() - 1) < 1e-9 and len(post.frame) >= 20
    assert set(post.names) == set(manifest["parameters"])
    from model.parameter_source import load_calibrated

    cal = load_calibrated()               # the values the model reads are this posterior's
    assert cal.posterior_sha256 == post.sha256 and cal.model_sha256 == model_hash()
    assert cal.central == central(post)


def test_exported_calibrated_values_are_the_shipped_posteriors():
    """model/data/calibrated.json is the export of calibration/posterior (whatever the model version)."""
    from model.parameter_source import load_calibrated

    post = load_posterior(check_model=False)
    cal = load_calibrated()
    assert cal.posterior_sha256 == post.sha256 and cal.model_sha256 == post.manifest["model_sha256"]
    assert cal.central == central(post) and list(cal.names) == post.names


def test_central_and_draws_lie_in_the_prior_and_are_reproducible(tmp_path):
    post = load_posterior(copy_shipped(tmp_path))
    priors = {v.name: v.prior for v in scalar_space().variables}
    c = central(post)
    assert all(priors[n][0] <= v <= priors[n][1] for n, v in c.items())
    a, b = draw(post, 7, seed=5), draw(post, 7, seed=5)
    assert a == b and len(a) == 7 and draw(post, 7, seed=6) != a


def test_draws_follow_the_weights(tmp_path):
    folder = copy_shipped(tmp_path)
    frame = pd.read_parquet(folder / "posterior.parquet")
    frame["weight"] = 0.0
    frame.loc[3, "weight"] = 1.0
    reseal(folder, frame)
    post = load_posterior(folder)
    row = {n: float(frame.loc[3, n]) for n in post.names}
    assert all(d == row for d in draw(post, 5, seed=1))


def reseal(folder, frame):
    """Write a changed table with its new checksum (as `steppe calibrate` would)."""
    write_posterior(folder, frame, json.loads((folder / "manifest.json").read_text()))


def copy_shipped(tmp_path):
    """A copy of the shipped posterior declared to belong to the current model (the loader's other
    checks are tested on it whether or not the shipped one is stale)."""
    dest = tmp_path / "post"
    dest.mkdir()
    for name in ("posterior.parquet", "manifest.json"):
        shutil.copy2(SHIPPED / name, dest / name)
    m = json.loads((dest / "manifest.json").read_text())
    m["model_sha256"] = model_hash()
    (dest / "manifest.json").write_text(json.dumps(m))
    return dest


def test_posterior_of_another_model_version_is_refused(tmp_path):
    folder = copy_shipped(tmp_path)
    m = json.loads((folder / "manifest.json").read_text())
    m["model_sha256"] = "0" * 64
    (folder / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(PosteriorError, match=r"key 'model_sha256'.*another model version"):
        load_posterior(folder)


def test_unknown_parameter_and_out_of_prior_values_are_refused(tmp_path):
    folder = copy_shipped(tmp_path)
    frame = pd.read_parquet(folder / "posterior.parquet")
    reseal(folder, frame.assign(**{"herders.no_such_thing": 1.0}))
    with pytest.raises(PosteriorError, match=re.escape("column 'herders.no_such_thing' is not a calibration")):
        load_posterior(folder)
    name = next(c for c in frame.columns if c != "weight")
    bad = frame.copy()
    bad.loc[2, name] = 1e12
    reseal(folder, bad)
    with pytest.raises(PosteriorError, match=re.escape(f"row 2, column '{name}': 1e+12 is outside the prior")):
        load_posterior(folder)
    (folder / "posterior.parquet").unlink()
    with pytest.raises(PosteriorError, match="no such file"):
        load_posterior(folder)


def test_scenario_values_win_over_the_posterior(tmp_path):
    post = load_posterior(copy_shipped(tmp_path))
    c = central(post)
    name = next(n for n in c if "[" not in n)
    group, key = name.split(".", 1)
    v = next(x for x in np.linspace(*scalar_space().subset([name]).variables[0].prior, 7)
             if abs(x - c[name]) > 1e-6)
    sc = parse_scenario("", {"parameters": {group: {key: float(v)}}}, "s", "s.toml")
    out = apply_unless_set(sc, c)
    assert getattr(getattr(out.parameters, group), key) == pytest.approx(float(v))
    others = {n: x for n, x in c.items() if n != name and "[" not in n}
    plain = apply_unless_set(Scenario(), c)
    for n, x in others.items():
        g, k = n.split(".", 1)
        assert getattr(getattr(plain.parameters, g), k) == pytest.approx(x)
