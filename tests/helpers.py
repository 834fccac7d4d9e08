"""Small helpers shared by the tests."""
from __future__ import annotations

import os
import re
import shutil

import pytest


def require_executable(name: str, why: str) -> str:
    """The path of an external program a test needs.

    Missing on a developer's machine, the test is skipped with `why`; under CI (the CI variable
    set to anything non-empty) it fails instead, so a missing install cannot pass unnoticed.
    """
    path = shutil.which(name)
    if path is None:
        reason = f"{why}（PATH 中没有 {name}）"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def convert_to_pdf_text(docx_files: list, out_dir) -> dict:
    """Let LibreOffice, an independent reader, open our .docx files; returns {file: PDF text}."""
    import subprocess
    from pathlib import Path

    soffice = require_executable("soffice", "需要 LibreOffice 把 .docx 转成 PDF 来核对")
    pdftotext = require_executable("pdftotext", "需要 poppler-utils 读取 PDF 中的文字")
    out_dir = Path(out_dir)
    profile = out_dir / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out_dir), *map(str, docx_files)], check=True, capture_output=True, timeout=240)
    texts = {}
    for docx in docx_files:
        pdf = out_dir / (Path(docx).stem + ".pdf")
        assert pdf.exists(), f"LibreOffice 没有生成 {pdf.name}"
        result = subprocess.run([pdftotext, "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True, timeout=60)
        texts[docx] = result.stdout.decode("utf-8")
    return texts


FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # what XML 1.0 cannot hold


def typed_form(value: str) -> str:
    """What a writer's value becomes in the document: XML-forbidden characters dropped, trimmed; a
    line break inside a value starts a new paragraph (blank lines and blanks around it do not survive)."""
    value = FORBIDDEN.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    return re.sub(r"[^\S\n]*\n\s*", "\n", value)
