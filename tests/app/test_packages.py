"""Packages and their scenario files: Chinese names and file names, dated changes, validation in
both languages, and clear messages for bad files."""

from __future__ import annotations

import pytest

from app.messages import t
from app.packages import (
    LEVERS,
    Package,
    PackageError,
    check_value,
    from_bytes,
    from_text,
    library,
    load_file,
    save,
    to_scenario,
    to_toml,
    validate,
)
from model.scenario import load_scenario


def test_save_and_load_with_a_chinese_file_name_and_spaces(tmp_path):
    pkg = Package(title="促进中心方案")
    pkg.changes["promotion_centres"] = ("2026-01", 3)
    pkg.levers["transformation_subsidy_rate"] = 0.1
    path = save(pkg, tmp_path, "促进中心 方案 2026", overwrite=False, lang="zh")
    assert path.name == "促进中心 方案 2026.toml"
    back = load_file(path)
    assert back.title == "促进中心方案"
    assert back.changes == {"promotion_centres": ("2026-01", 3)}
    assert back.levers["transformation_subsidy_rate"] == 0.1
    # the file is an ordinary scenario file: the model reads it whatever it is called
    sc = load_scenario(path)
    assert sc.changes == ((12, {"promotion_centres": 3}),)
    # nothing is overwritten unless asked
    with pytest.raises(PackageError) as err:
        save(pkg, tmp_path, "促进中心 方案 2026.toml", overwrite=False, lang="zh")
    assert "已存在" in err.value.text("zh") and "exists" in err.value.text("en")
    assert save(pkg, tmp_path, "促进中心 方案 2026", overwrite=True, lang="zh") == path


@pytest.mark.parametrize("name", ["", "  ", "a/b", "..\\x", ".hidden"])
def test_bad_file_names_are_refused(tmp_path, name):
    with pytest.raises(PackageError) as err:
        save(Package(title="x"), tmp_path, name, overwrite=False, lang="zh")
    assert err.value.text("zh") == t("err_file_name", "zh")
    assert list(tmp_path.iterdir()) == []


def test_every_library_scenario_loads_and_round_trips():
    for name, path in library().items():
        pkg = load_file(path)
        again = from_text(to_toml(pkg), "x.toml", "x")
        assert again.levers == pkg.levers and again.changes == pkg.changes, name
        assert to_scenario(again).lever_timeline() == load_scenario(path).lever_timeline(), name


def test_a_file_named_in_chinese_in_its_name_key_loads(tmp_path):
    pkg = from_text('name = "促进中心方案"\n[levers]\npromotion_centres = 3\n', "促进中心方案.toml", "促进中心方案")
    assert pkg.title == "促进中心方案" and pkg.levers["promotion_centres"] == 3


@pytest.mark.parametrize(("text", "zh", "en"), [
    ("[levers]\npromotion_centres = 99\n", "有误", "promotion_centres"),
    ("[levers]\nno_such_lever = 1\n", "有误", "no_such_lever"),
    ("[levers\n", "不是有效的 TOML", "not valid TOML"),
    ("until = 2026\n", "2027", "until = 2026"),
    ('[[lever_changes]]\ndate = "2031-01"\npromotion_centres = 2\n', "有误", "2031-01"),
    ('[[lever_changes]]\ndate = "2025-06"\npromotion_centres = 2\n[[lever_changes]]\ndate = "2026-06"\n'
     'promotion_centres = 3\n', "只支持一次", "one dated change"),
])
def test_bad_files_get_one_clear_message_in_each_language(text, zh, en):
    with pytest.raises(PackageError) as err:
        from_text(text, "方案.toml", "方案")
    assert zh in err.value.text("zh") and "方案.toml" in err.value.text("zh")
    assert en in err.value.text("en")


def test_not_utf8_is_a_message_not_a_traceback():
    with pytest.raises(PackageError) as err:
        from_bytes("[levers]\n# 中文".encode("gbk"), "gbk.toml")
    assert "UTF-8" in err.value.text("zh") and "UTF-8" in err.value.text("en")


def test_validation_names_the_field_and_clamps_nothing():
    pkg = Package(title=" ")
    pkg.levers["promotion_centres"] = 31
    pkg.levers["transformation_subsidy_rate"] = -0.1
    pkg.changes["herder_device_subsidy_rate"] = ("2026-01", 1.5)
    errors = validate(pkg, "en")
    assert set(errors) == {"title", "promotion_centres", "transformation_subsidy_rate",
                           "herder_device_subsidy_rate.change"}
    assert errors["promotion_centres"] == "31 is out of range; allowed [0, 30]"
    assert pkg.levers["promotion_centres"] == 31
    assert check_value("promotion_centres", 2.5, "zh") == t("err_integer", "zh", value="2.5")
    assert all(check_value(n, v.default, "zh") is None for n, v in LEVERS.items())


def test_an_over_long_file_name_gets_a_message_not_an_os_error(tmp_path):
    from app.packages import MAX_FILE_NAME_BYTES, PackageError, check_file_name, library, load_file, save

    pkg = load_file(library()["baseline"])
    name = "促进中心方案" * 15   # 90 characters, 270 bytes of UTF-8
    assert "255" in check_file_name(name, "en") and "字节" in check_file_name(name, "zh")
    with pytest.raises(PackageError) as err:
        save(pkg, tmp_path, name, overwrite=False, lang="zh")
    assert err.value.key == "err_file_name_long"
    assert not list(tmp_path.iterdir())   # nothing written, nothing half-written
    ok = "方" * ((MAX_FILE_NAME_BYTES - len(".toml")) // 3)
    assert save(pkg, tmp_path, ok, overwrite=False, lang="zh").exists()
