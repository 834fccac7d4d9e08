"""The `biaotai` command line as a user runs it: a real process, readable Chinese errors, exit codes."""
from __future__ import annotations

import json
import subprocess
import sys

from docx import Document

from workbook_factory import make_workbook


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "server.cli", *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, timeout=120)


def test_meetings_lists_slots(library_path):
    result = run("meetings", "--library", library_path)
    assert result.returncode == 0
    assert "动员会" in result.stdout and "要点2(2)" in result.stdout and "反馈会" in result.stdout


def test_variables_prints_schema_json(library_path):
    result = run("variables", "--meeting", "反馈会", "--library", library_path)
    schema = json.loads(result.stdout)
    keys = [v["key"] for v in schema]
    assert "巡察期间" in keys and "巡察时长" not in keys
    kind = next(v for v in schema if v["key"] == "巡察类型")
    assert kind["choices"] == ["巡察", "巡视"] and kind["required"]
    assert next(v for v in schema if v["key"] == "自称")["derived"]


def test_generate_with_examples_and_overrides(tmp_path, library_path):
    out = tmp_path / "发言.docx"
    result = run("generate", "--meeting", "动员会", "--library", library_path, "--set", "单位类型=委",
                 "--set", "单位名称=市发展和改革委员会", "--style", "第一", "-o", out)
    assert result.returncode == 0, result.stderr
    assert "已生成" in result.stderr
    text = "\n".join(p.text for p in Document(out).paragraphs)
    # the title breaks into balanced lines between words (server/title_layout.py), never inside one
    assert Document(out).paragraphs[0].text == "在市委第四巡察组巡察市发展和改革委员会\n党组工作动员会上的表态发言"
    assert "第一，" in text and "我委" in text and "我局" not in text


def test_generate_with_vars_file_and_text(tmp_path, library_path, values):
    values.update(单位类型="县", 单位名称="某某县", 巡察类型="巡视", 巡察组="省委第二巡视组")
    vars_file = tmp_path / "vars.json"
    vars_file.write_text(json.dumps(values, ensure_ascii=False), encoding="utf-8")
    result = run("generate", "--meeting", "反馈会", "--vars", vars_file, "--library", library_path, "--text",
                 "--omit", "要点1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("在省委第二巡视组巡视某某县情况反馈会上的表态发言")
    assert "一、压实责任" in result.stdout and "二、" not in result.stdout


def test_generate_errors_are_one_chinese_line(tmp_path, library_path):
    result = run("generate", "--meeting", "座谈会", "--library", library_path, "--text")
    assert result.returncode == 1
    assert "没有会议类型「座谈会」" in result.stderr and "Traceback" not in result.stderr
    result = run("generate", "--meeting", "动员会", "--library", library_path, "--text", "--set", "巡察组=")
    assert result.returncode == 1 and "请填写「巡察组名称」" in result.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{单位名称: 1}", encoding="utf-8")
    result = run("generate", "--meeting", "动员会", "--library", library_path, "--vars", bad, "--text")
    assert result.returncode == 1 and "不是有效的 JSON" in result.stderr and "Traceback" not in result.stderr
    result = run("generate", "--meeting", "动员会", "--library", tmp_path / "none.xlsx", "--text")
    assert result.returncode == 1 and "找不到段落库文件" in result.stderr


def test_check_exit_codes(tmp_path, library_path):
    ok = run("check", library_path)
    assert ok.returncode == 0 and "没有错误" in ok.stdout

    def edit(c):
        c["段落"][1][4] = "{{ 巡查组 }}"
    broken = make_workbook(tmp_path / "broken.xlsx", edit)
    result = run("check", broken)
    assert result.returncode == 1
    assert "工作表「段落」 第 3 行 「正文」：未定义的变量 {{ 巡查组 }}，是否应为 {{ 巡察组 }}？" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_library_dump_is_deterministic(tmp_path, library_path):
    first = run("library", "dump", "--library", library_path).stdout
    assert first == run("library", "dump", "--library", library_path).stdout
    assert "== 段落 ==" in first and "编号: 动员-开场-1" in first


def test_import_command_dry_run_and_output(tmp_path, library_path):
    speech = tmp_path / "旧发言.txt"
    speech.write_text("在市委第二巡察组巡察市交通运输局党组工作动员会上的表态发言\n各位领导，同志们：\n"
                      "根据市委统一部署，市委第二巡察组今天进驻我局，开展为期两个月的常规巡察。下面，我代表局党组作表态发言。\n"
                      "一是提高思想认识，自觉接受巡察监督。全局上下要把接受巡察作为一次政治体检。\n"
                      "二是全力做好配合，确保巡察顺利开展。我局将如实反映情况，做到随叫随到。\n"
                      "我们将以此次巡察为契机，推动各项工作再上新台阶。谢谢大家！\n", encoding="gb18030")
    before = library_path.read_bytes()
    dry = run("import", speech, "--library", library_path, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "1 篇" in dry.stdout and "试运行" in dry.stdout
    assert library_path.read_bytes() == before
    out = tmp_path / "导入后.xlsx"
    result = run("import", speech, "--library", library_path, "-o", out)
    assert result.returncode == 0, result.stderr
    assert library_path.read_bytes() == before and out.exists()
    check = run("check", out)
    assert check.returncode == 0, check.stdout
    bad = tmp_path / "旧发言.pdf"
    bad.write_bytes(b"%PDF-1.4")
    failed = run("import", bad, "--library", library_path)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr and "旧发言.pdf" in failed.stderr


def test_typed_values_mixed_with_examples_are_pointed_out(library_path):
    """--set without --vars fills the rest from the sheet's examples: the writer is told which."""
    result = run("generate", "--library", str(library_path), "--meeting", "动员会", "--text",
                 "--set", "单位名称=青山县第二中学")
    assert result.returncode == 0, result.stderr
    notice = result.stderr.split("示例值：")[1]
    assert "用的是「变量」工作表中的示例值" in result.stderr and "单位名称=" not in notice and "巡察组=" in notice
    result = run("generate", "--library", str(library_path), "--meeting", "动员会", "--text")
    assert result.returncode == 0 and "示例值" not in result.stderr  # examples alone: a demonstration


def test_a_typed_group_decides_the_kind_over_the_example(library_path):
    """The example says 巡察; a typed 省委第二巡视组 makes it a 巡视 speech instead of a contradiction."""
    result = run("generate", "--library", str(library_path), "--meeting", "动员会", "--text",
                 "--set", "巡察组=省委第二巡视组", "--set", "上级党委=省委")
    assert result.returncode == 0, result.stderr
    assert "省委第二巡视组" in result.stdout and "巡察" not in result.stdout.replace("巡察组", "")
