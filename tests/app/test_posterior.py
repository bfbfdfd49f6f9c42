"""The app's runs use the calibrated posterior: replication r of every package uses parameter set
r mod K with the same seed (paired), a package's own parameter wins, the cache and the request key
depend on the parameter sets, the report names the posterior, and a posterior of another model
version is refused with a message in the user's language unless the priors are chosen."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import PARAMS, make_posterior
from streamlit.testing.v1 import AppTest

from app.messages import t
from app.packages import library, load_file, run_key, save
from app.posterior import POSTERIOR_ENV, PRIORS, choose, describe, error_text
from app.report import html_report, provenance_rows
from app.runner import Request
from app.server import MAIN
from app.service import AppService
from calibration.posterior import PosteriorError
from steppe.cli import main

SCALE, SEED, K, REPS = 0.02, 0, 2, 3


@pytest.fixture(scope="module")
def pkgs():
    base = load_file(library()["baseline"])
    centres = load_file(library()["baseline"])
    centres.title = "促进中心"
    centres.changes["promotion_centres"] = ("2026-01", 3)
    return base, centres


@pytest.fixture(scope="module")
def params(small_posterior):
    p = choose(K, SEED, path=small_posterior)
    assert len(p.sets) == K and p.sets[0] != p.sets[1]   # the test needs two different sets
    return p


def _coverage(sc) -> float:
    return sc.parameters.counties.rural_coverage_pastoral


def test_replication_r_of_every_package_uses_set_r_mod_k(svc, pkgs, params):
    req = Request(pkgs, REPS, SCALE, SEED, params)
    job = svc.run(req)
    assert job.new == len(pkgs) * REPS
    for sc in req.scenarios():
        for r in range(REPS):
            used = req.scenario(sc, r)
            assert _coverage(used) == pytest.approx(params.sets[r % K][PARAMS[0]])
            # the run cached for (this scenario with set r mod K, seed r) is the one the job returned
            key = (run_key(used), req.seeds()[r], SCALE)
            assert svc.cached(key) is job.runs[req.scenarios().index(sc)][r]
    # paired: the same seed and parameters for replication r of both packages
    a, b = req.scenarios()
    assert all(req.scenario(a, r).parameters == req.scenario(b, r).parameters for r in range(REPS))
    assert req.scenario(a, 0).parameters == req.scenario(a, 2).parameters != req.scenario(a, 1).parameters


def test_the_posterior_changes_the_results_and_the_cache_key(svc, pkgs, params):
    post = svc.run(Request(pkgs, REPS, SCALE, SEED, params))
    assert (post.new, post.cached) == (0, len(pkgs) * REPS)       # identical request: all cached
    prior = svc.run(Request(pkgs, REPS, SCALE, SEED, PRIORS))
    assert prior.new == len(pkgs) * REPS                            # same seeds, other parameters
    share = [run["league"]["herder_platform_share"].iloc[-1] for run in (post.runs[0][0], prior.runs[0][0])]
    assert share[0] != share[1]
    keys = {AppService.request_key(Request(pkgs, REPS, SCALE, SEED, p)) for p in
            (params, PRIORS, choose(K + 1, SEED), choose(K, SEED + 1))}
    assert len(keys) == 4


def test_a_parameter_the_package_sets_wins(pkgs, params):
    own = dataclasses.replace(pkgs[1], parameters={"counties": {"rural_coverage_pastoral": 0.4}})
    req = Request((pkgs[0], own), REPS, SCALE, SEED, params)
    for r in range(REPS):
        sc = req.scenario(req.scenarios()[1], r)
        assert _coverage(sc) == 0.4
        assert sc.parameters.counties.rural_coverage_agro == pytest.approx(params.sets[r % K][PARAMS[1]])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_names_the_posterior_or_the_priors(svc, pkgs, params, lang):
    comp = svc.comparison(svc.run(Request(pkgs, REPS, SCALE, SEED, params)))
    line = describe(comp.provenance["posterior"], lang)
    assert params.info["model_sha256"][:12] in line and "2026-11-30" in line and "321" in line and "3.9" in line
    assert (t("posterior", lang), line) in provenance_rows(comp, lang)      # the PDF's first page too
    assert line in html_report(comp, lang, svc.figures(comp, lang))
    pcomp = svc.comparison(svc.run(Request(pkgs, REPS, SCALE, SEED, PRIORS)))
    assert (t("posterior", lang), t("posterior_priors", lang)) in provenance_rows(pcomp, lang)


@pytest.fixture
def stale_posterior(tmp_path):
    return make_posterior(tmp_path / "old", model_sha256="0" * 64)


def test_a_posterior_of_another_model_is_refused_in_the_users_language(stale_posterior):
    with pytest.raises(PosteriorError) as info:
        choose(K, SEED, path=stale_posterior)
    assert error_text(info.value, "zh").startswith(t("posterior_mismatch", "zh"))
    assert error_text(info.value, "en").startswith(t("posterior_mismatch", "en"))
    assert choose(K, SEED, prior=True, path=stale_posterior) is PRIORS


def test_steppe_report_uses_the_posterior_or_the_priors(tmp_path, pkgs, small_posterior, stale_posterior, capsys):
    path = save(pkgs[1], tmp_path, "促进中心", overwrite=False, lang="zh")
    common = [str(library()["baseline"]), str(path), "--reps", "2", "--scale", str(SCALE), "--workers", "1",
              "--lang", "en"]
    out = tmp_path / "r.html"
    assert main(["report", *common, "--posterior-draws", "2", "--out", str(out)]) == 0
    assert describe(choose(2, 0, path=small_posterior).info, "en") in out.read_text(encoding="utf-8")
    bad = tmp_path / "bad.html"
    capsys.readouterr()
    assert main(["report", *common, "--posterior", str(stale_posterior), "--out", str(bad)]) == 2
    err = capsys.readouterr().err
    # a command-line user is told of --prior, not of the page's checkbox
    assert "another model version" in err and "give --prior" in err and "tick" not in err
    assert len(err.strip().splitlines()) == 1 and not bad.exists()
    assert main(["report", *common, "--posterior", str(stale_posterior), "--prior", "--out", str(bad)]) == 0
    assert t("posterior_priors", "en") in bad.read_text(encoding="utf-8")


def test_page_refuses_a_stale_posterior_until_the_priors_are_chosen(tmp_path, monkeypatch, stale_posterior):
    monkeypatch.setenv("STEPPE_PACKAGES_DIR", str(tmp_path))
    monkeypatch.setenv("STEPPE_APP_WORKERS", "1")
    monkeypatch.setenv(POSTERIOR_ENV, str(stale_posterior))
    at = AppTest.from_file(str(MAIN), default_timeout=120)
    at.run()
    assert not at.exception
    assert any(e.value.startswith(t("posterior_mismatch", "zh")) for e in at.error)
    at.button(key="run_btn").click().run()
    assert t("fix_errors", "zh") in [e.value for e in at.error]
    at.checkbox(key="use_priors@zh").check().run()
    assert not any(e.value.startswith(t("posterior_mismatch", "zh")) for e in at.error)
    assert t("posterior_used", "zh", what=t("posterior_priors", "zh")) in [c.value for c in at.caption]


def test_page_shows_the_posterior_it_uses(tmp_path, monkeypatch, small_posterior):
    monkeypatch.setenv("STEPPE_PACKAGES_DIR", str(tmp_path))
    monkeypatch.setenv("STEPPE_APP_WORKERS", "1")
    at = AppTest.from_file(str(MAIN), default_timeout=120)
    at.run()
    assert at.text_input(key="posterior_draws@zh").value == "0"      # the central set, as every entry point
    line = describe(choose(0, 0, path=small_posterior).info, "zh")
    assert line.startswith("校准后验的中心参数组")
    assert t("posterior_used", "zh", what=line) + " " + t("posterior_k_hint", "zh") in [c.value for c in at.caption]
    at.text_input(key="posterior_draws@zh").set_value("10").run()
    line = describe(choose(10, 0, path=small_posterior).info, "zh")
    assert t("posterior_used", "zh", what=line) in [c.value for c in at.caption]


def test_draws_zero_is_the_central_set_every_entry_point_uses(monkeypatch):
    """The one parameter rule: the app's central set is model.simulate's default."""
    import warnings

    from app.posterior import POSTERIOR_ENV, choose, describe
    from model.parameter_source import default_source

    monkeypatch.delenv(POSTERIOR_ENV, raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        src = default_source()
        p = choose(0, seed=3)
    assert p.sets == src.sets and p.info["kind"] == "central"
    assert describe(p.info, "en") == src.describe()   # the line every entry point prints
    assert src.describe() in describe(p.info, "zh")
