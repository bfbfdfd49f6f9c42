"""Bad scenario files: a clear error naming the file, the key and what is allowed; exit code 2;
nothing written to --out."""

import os

import pytest

from model.scenario import ScenarioError, load_scenario
from steppe.cli import main

CASES = [
    ("bogus = 1\n", ["bad.toml", "'bogus'", "allowed top-level keys"]),
    ("[levers]\nno_such_lever = 1\n", ["bad.toml", "levers.no_such_lever", "unknown key"]),
    ("[levers]\npromotion_centres = 2.5\n", ["levers.promotion_centres", "whole number", "[0, 30]"]),
    ("[levers]\npromotion_centres = \"three\"\n", ["levers.promotion_centres", "'three'"]),
    ("[levers]\ntransformation_subsidy_rate = 0.9\n",
     ["levers.transformation_subsidy_rate", "out of range", "[0, 0.6]"]),
    ("[levers]\nlink_beijing = 1\n", ["levers.link_beijing", "true or false"]),
    ("[[lever_changes]]\ndate = \"2026-13\"\npromotion_centres = 2\n",
     ["lever_changes[0].date", "YYYY-MM"]),
    ("[[lever_changes]]\ndate = \"2029-01\"\npromotion_centres = 2\n",
     ["lever_changes[0].date", "outside the run", "2027-12"]),
    ("[[lever_changes]]\npromotion_centres = 2\n", ["lever_changes[0]", "date"]),
    ("[[lever_changes]]\ndate = \"2026-01\"\npromotion_centres = 99\n",
     ["lever_changes[0].promotion_centres", "out of range"]),
    ("until = 2040\n", ["'until'", "2025 to 2030"]),
    ("[parameters.herders]\nbass_q_per_year = 5\n", ["parameters.herders.bass_q_per_year", "[0.2, 0.6]"]),
    ("[parameters.nothing]\nx = 1\n", ["parameters.nothing", "unknown parameter group"]),
    ("[parameters.enterprises]\nsector_shares = [0.5, 0.5, 0.5, 0.5]\n",
     ["parameters.enterprises.sector_shares", "sum to 1"]),
    ("[parameters.enterprises]\nsector_shares = [0.5, 0.5]\n", ["sector_shares", "list of 4"]),
    ("[levers\n", ["bad.toml", "not valid TOML"]),
    ("name = 5\n", ["bad.toml", "key 'name'", "not a string", "any script"]),
    ("name = \"a/b\"\n", ["key 'name'", "'a/b'", "no '/'"]),
    ("name = \".x\"\n", ["key 'name'", "'.x'", "not starting with '.'"]),
    ("name = \"\"\n", ["key 'name'", "empty"]),
    ("[levers]\npromotion_centres = 2026-01-01\n",
     ["levers.promotion_centres: 2026-01-01 is a TOML date", "not allowed here"]),
    ("[[lever_changes]]\ndate = 2026-01-01\npromotion_centres = 2\n",
     ["lever_changes[0].date: 2026-01-01 is a TOML date", 'write the month as a string, date = "2026-01"']),
    ("[[lever_changes]]\ndate = \"2026-01\"\n", ["lever_changes[0]", "sets no lever"]),
    ("[[lever_changes]]\ndate = \"2026-01\"\npromotion_centres = 2\n"
     "[[lever_changes]]\ndate = \"2026-01\"\ndemonstration_projects_per_year = 3\n",
     ["lever_changes[1].date", "also the date of lever_changes[0]", "one [[lever_changes]]"]),
    ("", ["bad.toml", "holds no setting"]),
    ("# only a comment\n", ["bad.toml", "holds no setting"]),
]


@pytest.mark.parametrize("name", ["促进中心方案", "subsidy up (v2)", "基准"])
def test_any_script_names_a_scenario(tmp_path, name):
    path = tmp_path / f"{name}.toml"
    path.write_text('description = "x"\n', encoding="utf-8")
    assert load_scenario(path).name == name
    other = tmp_path / "file.toml"
    other.write_text(f'name = "{name}"\n', encoding="utf-8")
    assert load_scenario(other).name == name


def test_byte_order_mark_is_accepted_and_not_part_of_the_text(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + 'description = "基准"\n[levers]\npromotion_centres = 3\n'.encode())
    s = load_scenario(path)
    assert s.levers.promotion_centres == 3 and not s.source_text.startswith("\ufeff")


def test_folder_and_fifo_are_named_as_such(tmp_path):
    with pytest.raises(ScenarioError, match="is a folder, not a scenario file"):
        load_scenario(tmp_path)
    fifo = tmp_path / "p.toml"
    os.mkfifo(fifo)
    with pytest.raises(ScenarioError, match=r"p.toml: is a FIFO \(named pipe\), not a regular file"):
        load_scenario(fifo)


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_bytes('description = "基准"\n'.encode("gb18030"))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "bad.toml: not UTF-8" in str(err.value)


@pytest.mark.parametrize(("text", "fragments"), CASES)
def test_bad_file_message_names_file_key_and_allowed(tmp_path, text, fragments):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    for frag in fragments:
        assert frag in str(err.value), (frag, str(err.value))


@pytest.mark.parametrize(("text", "fragments"), CASES[:3])
def test_cli_exits_nonzero_and_writes_nothing(tmp_path, capsys, text, fragments):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--scale", "0.05"]) == 2
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [path]
    err = capsys.readouterr().err
    assert err.startswith("error: ") and fragments[0] in err


def test_missing_file(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "nope.toml"), "--out", str(out)]) == 2
    assert "nope.toml: no such scenario file" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("args", [["--scale", "0"], ["--scale", "11"], ["--until", "2031"], ["--seed", "-1"]])
def test_bad_options_exit_nonzero(tmp_path, args):
    with pytest.raises(SystemExit) as exc:
        main(["run", "--out", str(tmp_path / "o"), *args])
    assert exc.value.code == 2
    assert not (tmp_path / "o").exists()
