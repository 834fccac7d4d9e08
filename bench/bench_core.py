"""Core benchmarks, each reported as a ratio against a baseline measured in the same process.

(a) a full speech .docx end to end (compose + render + save) against a bare
    DocxTemplate(path).render(ctx, autoescape=True) + save of the same template and context;
    target <= 1.0x.
(a') one section as a part (render_part + section.docx) against a bare docxtpl render + save of
    word_templates/section.docx with the same paragraphs; the ratio is reported.
(b) loading a 5,000-section library, cold and again after one row changed, against a bare
    python-calamine read of the same file; target for the reload <= 1.5x.

Run: python bench/bench_core.py [--quick] [--sections 5000]
main(argv) returns one dict per figure (key, name, ours_ms, baseline_ms, ratio, target); bench/run
turns them into bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from docxtpl import DocxTemplate  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402

from server import templating  # noqa: E402
from server.compose import compose_speech  # noqa: E402
from server.config import default_templates_dir  # noqa: E402
from server.library import load_library, load_library_bytes  # noqa: E402
from server.compose import render_part  # noqa: E402
from server.render import render_part_docx, render_speech_docx  # noqa: E402
from server.variables import example_values  # noqa: E402
from server.workbook import build_workbook  # noqa: E402
from workbook_factory import base_content  # noqa: E402


def median_ms(func, repeat: int) -> float:
    func()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def report(key: str, name: str, ours: float, baseline: float, target: float | None, **extra) -> dict:
    ratio = ours / baseline
    verdict = "" if target is None else ("  达标" if ratio <= target else f"  未达标（目标 ≤ {target}x）")
    print(f"{name}: {ours:.2f} ms / 基线 {baseline:.2f} ms = {ratio:.2f}x{verdict}", flush=True)
    return {"key": key, "name": name, "ours_ms": ours, "baseline_ms": baseline, "ratio": ratio, "target": target,
            **extra}


def bench_speech(repeat: int) -> dict:
    library = load_library(ROOT / "section_library.xlsx")
    values = example_values(library, "动员会")
    template = default_templates_dir() / "speech.docx"
    speech = compose_speech(library, "动员会", values, seed=1)
    context = {"title": speech.title, "speaker_line": speech.speaker_line, "paragraphs": [b.to_dict() for b in speech.blocks]}
    counter = iter(range(10**9))

    def ours():
        # Different values each time so that nothing cached can hide the cost.
        varied = dict(values, 组长=f"王明{next(counter)}")
        render_speech_docx(compose_speech(library, "动员会", varied, seed=1))

    def bare():
        doc = DocxTemplate(template)
        doc.render(context, autoescape=True)
        doc.save(io.BytesIO())

    return report("speech", "(a) 整篇发言 .docx（组稿+渲染+保存）对比裸 docxtpl", median_ms(ours, repeat),
                  median_ms(bare, repeat), 1.0)


def bench_section(repeat: int, section_id: str = "动员会-要点1-1") -> dict:
    """One part as 插入段落 makes it (render_part + section.docx) against a bare docxtpl call."""
    library = load_library(ROOT / "section_library.xlsx")
    values = example_values(library, "动员会")
    template = default_templates_dir() / "section.docx"
    part, _ = render_part(library, section_id, values, number=1)
    context = {"paragraphs": [b.to_dict() for b in part.blocks]}
    counter = iter(range(10**9))

    def ours():
        varied = dict(values, 组长=f"王明{next(counter)}")
        part, _ = render_part(library, section_id, varied, number=1)
        render_part_docx(part)

    def bare():
        doc = DocxTemplate(template)
        doc.render(context, autoescape=True)
        doc.save(io.BytesIO())

    return report("section", f"(a') 单个段落 .docx（{section_id}，渲染+section.docx）对比裸 docxtpl",
                  median_ms(ours, repeat), median_ms(bare, repeat), None, section_id=section_id)


def big_library(sections: int) -> dict:
    content = base_content()
    filler = "，".join(["{{ 全体 }}要坚持问题导向，把{{ 巡察类型 }}监督的要求落实到每一项具体工作之中"] * 8)
    for i in range(sections):
        body = f"第{i}段。{filler}。" if i % 10 else f"{{% if 巡察类型 == \"巡视\" %}}巡视{{% else %}}{{{{ 巡察类型 }}}}{{% endif %}}第{i}段。{filler}。"
        content["段落"].append([f"压测-{i}", "动员会", "要点1", f"第{i}条小标题", body, "", "压测", "是", "", ""])
    return content


def bench_load(sections: int, repeat: int) -> list[dict]:
    content = big_library(sections)
    first = build_workbook(content)
    content["段落"][-1][4] += "（改动了一行）"
    changed = build_workbook(content)

    def bare(data):
        def read():
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            for name in book.sheet_names:
                book.get_sheet_by_name(name).to_python()
        return read

    def cold():
        templating.inspect_template.cache_clear()
        templating._compiled.cache_clear()
        load_library_bytes(first)

    def reload():
        load_library_bytes(first)  # the library as it was: its templates are known
        start = time.perf_counter()
        load_library_bytes(changed)
        return (time.perf_counter() - start) * 1000

    results = [report("library_cold", f"(b) {sections} 段落库冷加载 对比裸 calamine 读取",
                      median_ms(cold, max(3, repeat // 4)), median_ms(bare(first), repeat), None, sections=sections)]
    reload()
    reload_ms = statistics.median(reload() for _ in range(repeat))
    results.append(report("library_reload", f"(b) {sections} 段落库改动一行后重新加载 对比裸 calamine 读取", reload_ms,
                          median_ms(bare(changed), repeat), 1.5, sections=sections))
    return results


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--repeat", type=int, help="repetitions per figure (default 25, --quick 5)")
    parser.add_argument("--sections", type=int, default=5000, help="sections of the generated library (default 5000)")
    args = parser.parse_args(argv)
    repeat = args.repeat or (5 if args.quick else 25)
    results = [bench_speech(repeat * 2), bench_section(repeat * 2)]
    results += bench_load(args.sections, repeat)
    return results


if __name__ == "__main__":
    main()
