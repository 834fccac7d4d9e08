"""`biaotai`: the command-line front end over the same functions the service uses."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

from .config import ConfigError, default_library_path, is_packaged_library
from .keys import INSPECTION_GROUP, INSPECTION_KIND
from .numbering import STYLES
from .problems import ProblemsError


class CliError(Exception):
    """A user-facing failure: printed as one Chinese line, exit code 1."""


def _library(args: argparse.Namespace):
    from .library import load_library
    return load_library(args.library or default_library_path())


def cmd_meetings(args: argparse.Namespace) -> int:
    library = _library(args)
    for meeting in library.meetings.values():
        counts = "、".join(f"{slot}({len(library.sections_for(meeting.id, slot))})" for slot in meeting.slots)
        print(f"{meeting.id}\t{meeting.name}\t默认编号：{meeting.default_style}\t部分（可选段落数）：{counts}")
    return 0


def cmd_variables(args: argparse.Namespace) -> int:
    from .variables import variable_schema
    library = _library(args)
    if args.meeting and args.meeting not in library.meetings:
        raise CliError(f"没有会议类型「{args.meeting}」，可选：{'、'.join(library.meetings)}")
    print(json.dumps(variable_schema(library, args.meeting), ensure_ascii=False, indent=2))
    return 0


def _read_vars(args: argparse.Namespace, library, meeting: str) -> dict[str, str]:
    from .variables import example_values
    if args.vars:
        try:
            given = json.loads(Path(args.vars).read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise CliError(f"找不到变量文件 {args.vars}") from None
        except json.JSONDecodeError as exc:
            raise CliError(f"变量文件 {args.vars} 不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）") from None
        if not isinstance(given, dict):
            raise CliError(f"变量文件 {args.vars} 应是一个对象，如 {{\"单位名称\": \"市工业和信息化局\"}}")
    else:
        given = example_values(library, meeting)
    examples = {} if args.vars else dict(given)
    for item in args.set or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--set 的写法应为 键=值，现在是「{item}」")
        given[key.strip()] = value
        examples.pop(key.strip(), None)
    if INSPECTION_GROUP not in examples and INSPECTION_KIND in examples:
        # A typed 巡察组 names its kind (省委第二巡视组): the example's 巡察类型 must not contradict it.
        given.pop(INSPECTION_KIND, None)
        examples.pop(INSPECTION_KIND, None)
    if examples and args.set:
        # Mixing a few typed values with the sheet's examples can put another unit's facts in a speech.
        listed = "、".join(f"{key}={value}" for key, value in examples.items() if value)
        print(f"提示：以下变量没有填写，用的是「变量」工作表中的示例值：{listed}。"
              "请用 --vars 文件或 --set 填写本单位的值。", file=sys.stderr)
    return given


def _pairs(items: Sequence[str] | None, option: str) -> dict[str, str]:
    result = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise CliError(f"{option} 的写法应为 部分=段落编号，如 要点1=动员会-要点1-2，现在是「{item}」")
        result[key.strip()] = value.strip()
    return result


def cmd_generate(args: argparse.Namespace) -> int:
    from .compose import compose_speech
    from .render import render_speech_docx
    if not args.output and not args.text:
        raise CliError("请用 -o 文件名.docx 指定输出文件，或用 --text 输出纯文本")
    library = _library(args)
    given = _read_vars(args, library, args.meeting)
    order = [s for item in args.order or [] for s in item.replace("，", ",").split(",") if s]
    exclude = [s.strip() for item in args.exclude or [] for s in item.replace("，", ",").split(",") if s.strip()]
    speech = compose_speech(library, args.meeting, given, style=args.style, seed=args.seed,
                            choices=_pairs(args.choose, "--choose"), omit=args.omit or [], order=order or None,
                            exclude=exclude, length=args.length)
    for warning in speech.warnings:
        print(str(warning), file=sys.stderr)
    print(f"种子：{speech.seed}（加 --seed {speech.seed} 可重新生成同一篇）", file=sys.stderr)
    if args.text:
        sys.stdout.write(speech.text)
    if args.output:
        data = render_speech_docx(speech)
        Path(args.output).write_bytes(data)
        print(f"已生成 {args.output}：{speech.title}，约 {speech.characters} 字，约 {speech.minutes} 分钟", file=sys.stderr)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .library import check_library
    path = args.path or args.library or default_library_path()
    problems = check_library(path)
    for problem in problems:
        print(str(problem))
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    if errors:
        print(f"{path}：{errors} 个错误，{warnings} 个提示。请改正错误后保存，服务会继续使用上一版可用的段落库。")
        return 1
    print(f"{path}：没有错误" + (f"，{warnings} 个提示" if warnings else "") + "。")
    return 0


def cmd_library_dump(args: argparse.Namespace) -> int:
    from .dump import dump_workbook
    text = dump_workbook(Path(args.library or default_library_path()).read_bytes())
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8", newline="\n")
    else:
        sys.stdout.write(text)
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from .workfolder import init_working_folder
    print(init_working_folder(Path(args.folder)).to_text())
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .importer import ImportFailed, import_files
    library = Path(args.library or default_library_path())
    if not args.dry_run and not args.output and is_packaged_library(library):
        raise CliError("随附的段落库不能直接修改。请先运行 biaotai init 建立工作目录，在该目录中导入；"
                       "或用 -o 写入另一个文件。")
    try:
        summary = import_files([Path(p) for p in args.files], library,
                               out_path=Path(args.output) if args.output else None, dry_run=args.dry_run)
    except ImportFailed as exc:
        raise CliError(str(exc)) from None
    print(summary.to_json() if args.json else summary.to_text())
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--library", help="段落库文件（默认：环境变量 BIAOTAI_LIBRARY、工作目录中的段落库，"
                                           "或随附的 section_library.xlsx）")
    parser = argparse.ArgumentParser(prog="biaotai", description="表态发言助手：段落库、组稿与 Word 文档生成")
    commands = parser.add_subparsers(dest="command", required=True, metavar="命令")

    p = commands.add_parser("init", help="建立工作目录：可编辑的段落库、配置文件、证书和日志文件夹")
    p.add_argument("folder", nargs="?", default=".", metavar="目录", help="工作目录（默认为当前目录）")
    p.set_defaults(run=cmd_init)

    p = commands.add_parser("meetings", parents=[common], help="列出会议类型及其部分")
    p.set_defaults(run=cmd_meetings)

    p = commands.add_parser("variables", parents=[common], help="以 JSON 输出变量说明")
    p.add_argument("--meeting", help="会议类型，如 动员会")
    p.set_defaults(run=cmd_variables)

    p = commands.add_parser("generate", parents=[common], help="生成整篇表态发言")
    p.add_argument("--meeting", required=True, help="会议类型，如 动员会、回头看动员会、反馈会")
    p.add_argument("--vars", help="变量文件（JSON）；不给时使用「变量」工作表中的示例")
    p.add_argument("--set", action="append", metavar="键=值", help="单独设置一个变量，可重复")
    p.add_argument("--style", choices=STYLES, help="编号样式（默认按会议类型）")
    p.add_argument("--seed", type=int, help="随机选择各部分段落的种子（相同种子得到相同发言；不给时随机选一个并打印出来）")
    p.add_argument("--choose", action="append", metavar="部分=编号", help="指定某部分使用的段落，可重复")
    p.add_argument("--omit", action="append", metavar="部分", help="省略某部分（如 要点3），可重复")
    p.add_argument("--order", action="append", metavar="要点2,要点1", help="要点的新顺序")
    p.add_argument("--exclude", action="append", metavar="编号", help="不要使用的段落编号（已用过或不满意的），可重复或用逗号分隔")
    p.add_argument("--length", metavar="篇幅", help="目标篇幅：简短、标准、详细，或字数（如 2000）、分钟（如 8分钟）")
    p.add_argument("-o", "--output", help="输出的 .docx 文件")
    p.add_argument("--text", action="store_true", help="把全文以纯文本打印出来")
    p.set_defaults(run=cmd_generate)

    p = commands.add_parser("check", parents=[common], help="检查段落库，列出所有问题（有错误时退出码为 1）")
    p.add_argument("path", nargs="?", help="要检查的 .xlsx（默认为段落库）")
    p.set_defaults(run=cmd_check)

    p = commands.add_parser("library", help="段落库的辅助命令")
    library_commands = p.add_subparsers(dest="library_command", required=True, metavar="子命令")
    q = library_commands.add_parser("dump", parents=[common], help="把段落库导出为便于比较差异的文本")
    q.add_argument("-o", "--output", help="输出文件（默认打印到屏幕）")
    q.set_defaults(run=cmd_library_dump)
    p = commands.add_parser("import", parents=[common], help="把旧发言（.txt/.docx）导入段落库，作为待审核的段落（启用=否）")
    p.add_argument("files", nargs="+", metavar="文件", help="要导入的 .txt 或 .docx 文件")
    p.add_argument("-o", "--output", help="写入另一个 .xlsx，原段落库不变")
    p.add_argument("--dry-run", action="store_true", help="只显示会导入什么，不写文件")
    p.add_argument("--json", action="store_true", help="以 JSON 输出摘要")
    p.set_defaults(run=cmd_import)

    from .serve import add_commands
    add_commands(commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except ProblemsError as exc:
        errors = [p for p in exc.problems if p.is_error] or exc.problems
        for problem in exc.problems:
            if not problem.is_error:
                print(str(problem), file=sys.stderr)
        for problem in errors:
            print(str(problem), file=sys.stderr)
        return 1
    except (CliError, ConfigError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"错误：{exc.strerror or exc}（{exc.filename or ''}）", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
