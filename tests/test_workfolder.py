"""`biaotai init` and the working folder: what an office runs from, found by the commands run there."""
from __future__ import annotations

import pytest

from server.cli import main
from server.config import default_library_path, packaged_library_path, resource_path, working_config
from workbook_factory import make_workbook


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("BIAOTAI_HOME", "BIAOTAI_LIBRARY", "BIAOTAI_TEMPLATES", "BIAOTAI_TOKEN", "BIAOTAI_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_init_makes_the_folder_and_says_what_next(clean_env, capsys):
    assert main(["init", "单位"]) == 0
    folder = clean_env / "单位"
    out = capsys.readouterr().out
    assert (folder / "section_library.xlsx").read_bytes() == packaged_library_path().read_bytes()
    config = (folder / "biaotai.toml").read_text(encoding="utf-8")
    assert 'LIBRARY = "section_library.xlsx"' in config and "# TOKEN" in config
    assert (folder / "certs").is_dir() and (folder / "logs").is_dir()
    assert "已创建 section_library.xlsx" in out and "biaotai cert" in out and "biaotai serve" in out


def test_second_init_keeps_everything(clean_env, capsys):
    main(["init"])
    (clean_env / "section_library.xlsx").write_bytes(b"edited by the office")
    (clean_env / "biaotai.toml").write_text('TOKEN = "abc"\n', encoding="utf-8")
    capsys.readouterr()
    assert main(["init"]) == 0
    out = capsys.readouterr().out
    assert (clean_env / "section_library.xlsx").read_bytes() == b"edited by the office"
    assert (clean_env / "biaotai.toml").read_text(encoding="utf-8") == 'TOKEN = "abc"\n'
    assert "已存在，未改动 section_library.xlsx" in out and "已创建" not in out


def test_commands_in_a_working_folder_use_its_library(clean_env, capsys):
    main(["init"])
    make_workbook(clean_env / "section_library.xlsx")  # the office's own, different library
    assert default_library_path() == clean_env / "section_library.xlsx"
    assert main(["check"]) == 0
    assert str(clean_env / "section_library.xlsx") in capsys.readouterr().out


def test_home_variable_names_the_folder_from_anywhere(clean_env, monkeypatch, tmp_path_factory):
    office = tmp_path_factory.mktemp("office")
    main(["init", str(office)])
    (office / "biaotai.toml").write_text('LIBRARY = "库/段落库.xlsx"\nTOKEN = "t0ken"\n', encoding="utf-8")
    monkeypatch.setenv("BIAOTAI_HOME", str(office))
    assert default_library_path() == (office / "库" / "段落库.xlsx").resolve()
    from server import create_app
    app = create_app({"TESTING": True})
    assert app.config["TOKEN"] == "t0ken" and app.config["LIBRARY"] == str((office / "库" / "段落库.xlsx").resolve())


def test_outside_a_working_folder_the_packaged_library_serves(clean_env):
    assert default_library_path() == packaged_library_path()
    assert resource_path("word_templates").joinpath("speech.docx").is_file()


def test_broken_config_is_a_clear_error(clean_env, capsys):
    (clean_env / "biaotai.toml").write_text('TOKEN = "未闭合\n', encoding="utf-8")
    with pytest.raises(Exception) as info:
        working_config()
    assert "biaotai.toml" in str(info.value) and "写法有误" in str(info.value)
    assert main(["check"]) == 1
    err = capsys.readouterr().err
    assert "错误：配置文件" in err and "Traceback" not in err

