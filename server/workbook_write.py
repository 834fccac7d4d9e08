"""Writing the editors' workbook without ever losing a save: backup, atomic replace, and a check
that nobody saved in between.

Invariants: the old file is untouched on any failure, and neither a temporary file nor a
half-written backup is left behind; the comparison with what the caller read and the replace run
under one file lock shared by every process on the machine (several workers, the CLI); an editor's
open workbook (Excel's ~$ owner file) or any change since the caller read it refuses the write and
keeps the new workbook beside the library under a name the message gives.
"""
from __future__ import annotations

import datetime as dt
import errno
import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from copy import copy
from typing import BinaryIO, Callable, Mapping, Sequence

from .filelock import FileLock, LockTimeout


class WorkbookWriteError(Exception):
    """Why the workbook was not written, in Chinese; nothing was lost."""

    def __init__(self, message: str, filename: str = ""):
        super().__init__(message)
        self.filename = filename


def backup_name(path: Path, now: dt.datetime | None = None) -> Path:
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.stem}.备份-{stamp}{path.suffix}")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}.备份-{stamp}-{n}{path.suffix}")
        n += 1
    return candidate


def editor_lock_file(path: Path) -> Path | None:
    """Excel's owner file (~$name.xlsx, or ~$ + the name without its first two characters) beside
    the workbook: an editor has it open and may save over anything written now."""
    candidates = {path.with_name("~$" + path.name)}
    if len(path.name) > 2:
        candidates.add(path.with_name("~$" + path.name[2:]))
    return next((c for c in sorted(candidates) if c.exists()), None)


def write_lock_path(target: Path) -> Path:
    """The lock file every process on this machine takes to replace `target` (one per workbook).

    It lives in the temporary folder, named by a hash of the workbook's full path, so the editors'
    folder holds nothing but their files."""
    import hashlib
    key = hashlib.sha256(str(Path(target).resolve()).encode("utf-8")).hexdigest()[:24]
    folder = Path(tempfile.gettempdir()) / "biaotai-locks"
    folder.mkdir(exist_ok=True)
    return folder / f"{key}.lock"


WRITE_LOCK_SECONDS = 30.0


def replace_workbook(target: Path, save: Callable[[BinaryIO], None], expected: bytes | None = None,
                     purpose: str = "导入") -> Path | None:
    """Write a new workbook with `save(handle)` to a temporary file beside `target`, fsync, back up
    the old file, then os.replace. `purpose` (导入, 恢复) names the action in messages.

    Returns the backup's path (None when `target` did not exist). On any failure the old file is
    untouched, and neither the temporary file nor a (possibly half-written) backup is left behind.

    `expected`: the bytes of `target` the caller planned against. The new file is written first,
    without a lock; then, under the write lock (`write_lock_path`) and immediately before the
    replace, `target` must still hold exactly these bytes and no editor may have it open (~$ file).
    Otherwise nothing is replaced: the new workbook is kept beside it under a name the message gives.
    """
    target = Path(target)
    if not target.parent.is_dir():
        raise WorkbookWriteError(f"输出文件夹「{target.parent}」不存在", target.name)
    tmp: Path | None = None
    backup: Path | None = None
    replaced = False
    kept = False
    stage = "create"
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp.xlsx", dir=target.parent)
        tmp = Path(tmp_name)
        stage = "write"
        with os.fdopen(fd, "wb") as handle:
            save(handle)
            handle.flush()
            os.fsync(handle.fileno())
        _copy_permissions(target, tmp)
        with zipfile.ZipFile(tmp) as archive:
            if archive.testzip() is not None:
                raise WorkbookWriteError(f"写出的「{target.name}」校验失败，原文件未改动", target.name)
        stage = "replace"
        with FileLock(write_lock_path(target), timeout=WRITE_LOCK_SECONDS):
            if target.exists():
                backup = backup_name(target)
                _copy_completely(target, backup)
            if expected is not None:
                refusal = _changed_since_read(target, expected, purpose)
                if refusal:
                    kept = True
                    raise WorkbookWriteError(refusal + _keep_beside(tmp, target, purpose), target.name)
            os.replace(tmp, target)  # nothing between the comparison above and this line but the lock
            replaced = True
        _fsync_dir(target.parent)
        return backup
    except WorkbookWriteError:
        raise
    except LockTimeout:
        raise WorkbookWriteError(f"另一个导入或恢复正在写入「{target.name}」超过 {WRITE_LOCK_SECONDS:.0f} 秒，"
                                 "本次没有写入，请稍后重试", target.name) from None
    except OSError as exc:
        raise WorkbookWriteError(_write_failure(exc, target, stage), target.name) from exc
    except Exception as exc:
        raise WorkbookWriteError(f"写入「{target}」失败（{type(exc).__name__}: {exc}），原文件未改动", target.name) from exc
    finally:
        leftovers = ([tmp] if tmp is not None and not replaced and not kept else [])
        leftovers += ([backup] if backup and not replaced else [])
        for leftover in leftovers:
            try:
                leftover.unlink(missing_ok=True)
            except OSError:
                pass  # the folder may have turned read-only: the answer above matters more


def _changed_since_read(target: Path, expected: bytes, purpose: str) -> str | None:
    """Why `target` may not be replaced now (an editor has it open, or it changed), or None."""
    owner = editor_lock_file(target)
    if owner is not None:
        return (f"段落库「{target.name}」正在 Excel 中打开（{owner.name}）：为避免覆盖编辑人员的修改，本次没有写入段落库。"
                f"请编辑人员保存并关闭段落库后重新{purpose}")
    try:
        current = target.read_bytes()
    except FileNotFoundError:
        current = None
    if current != expected:
        return f"段落库「{target.name}」在{purpose}期间被修改过：为避免覆盖他人的修改，本次没有写入段落库，请重新{purpose}"
    return None


def _keep_beside(tmp: Path, target: Path, purpose: str) -> str:
    """Keep the new workbook next to the library; the sentence that says where."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = target.with_name(f"{target.stem}.{purpose}未写入-{stamp}{target.suffix}")
    n = 2
    while kept.exists():
        kept = target.with_name(f"{target.stem}.{purpose}未写入-{stamp}-{n}{target.suffix}")
        n += 1
    try:
        os.replace(tmp, kept)
    except OSError:
        tmp.unlink(missing_ok=True)
        return "。"
    return f"（本次{purpose}的结果另存为「{kept.name}」，段落库原样保留）。"


def _copy_completely(source: Path, copy: Path) -> None:
    """A whole, synced copy under `copy`'s name, or none: a backup cut short (the process killed,
    the disk full) must never look like a backup."""
    partial = copy.with_name(f".{copy.stem}.tmp{copy.suffix}")
    try:
        shutil.copy2(source, partial)
        with open(partial, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, copy)
    except BaseException:
        try:
            partial.unlink(missing_ok=True)
        except OSError:
            pass
        raise


def _write_failure(exc: OSError, target: Path, stage: str) -> str:
    """What went wrong when writing, and what to do, in Chinese (the system's text is often English)."""
    folder = target.parent
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return f"磁盘空间不足，无法写入「{target}」：请清理文件夹「{folder}」所在磁盘的空间后重试（原文件未改动）"
    if exc.errno == errno.EROFS:
        return f"文件夹「{folder}」是只读的，无法写入「{target.name}」：请把段落库放到可以写入的文件夹，或请管理员开通写入权限（原文件未改动）"
    if isinstance(exc, PermissionError):
        if stage == "create":
            return f"没有在文件夹「{folder}」中写入文件的权限：请管理员开通写入权限，或把段落库放到可以写入的文件夹（原文件未改动）"
        return f"无法写入「{target}」：文件可能正在 Excel 中打开，请关闭后重试（原文件未改动）"
    return f"写入「{target}」失败（{exc.strerror or exc}），原文件未改动"


def _copy_permissions(target: Path, tmp: Path) -> None:
    """mkstemp makes the file private (0600): keep the old file's mode, or the usual one for a new file."""
    if target.exists():
        shutil.copymode(target, tmp)
    else:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not possible on every platform (Windows)
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------------------------
# Rows added to a workbook opened for writing (openpyxl keeps styles, dropdowns and tables)


def open_for_writing(data: bytes):
    """The workbook as openpyxl holds it for writing; ValueError naming the cause when unreadable."""
    from openpyxl import load_workbook
    try:
        return load_workbook(io.BytesIO(data))
    except Exception as exc:
        raise ValueError(type(exc).__name__) from exc


def append_rows(sheet, rows: Sequence[Mapping[str, str]], fill: str | None = None) -> list[int]:
    """Append rows (header -> text) after the last non-empty row of an openpyxl sheet, with the style
    and dropdowns of the row above, every cell text (a leading "=" stays text); `fill` colours them
    (the importer's light yellow, so an editor finds the rows to review: Excel 按颜色筛选)."""
    from openpyxl.styles import PatternFill
    pattern = PatternFill(fill_type="solid", start_color=fill, end_color=fill) if fill else None
    headers = {str(c.value).strip(): c.column for c in sheet[1] if c.value is not None}
    last = last_filled_row(sheet)
    template_row = last if last >= 2 else None
    numbers = []
    for offset, row in enumerate(rows, start=1):
        number = last + offset
        numbers.append(number)
        for column in range(1, sheet.max_column + 1):
            cell = sheet.cell(row=number, column=column)
            if template_row:
                source = sheet.cell(row=template_row, column=column)
                if source.has_style:
                    cell._style = copy(source._style)
        for header, value in row.items():
            if header in headers and value != "":
                cell = sheet.cell(row=number, column=headers[header])
                cell.value = value
                cell.data_type = "s"  # text starting with "=" stays text
        for column in range(1, sheet.max_column + 1):
            if pattern is not None:
                sheet.cell(row=number, column=column).fill = pattern
    if template_row and numbers:
        _extend_validations(sheet, template_row, numbers[0], numbers[-1])
        _extend_tables(sheet, template_row, numbers[-1])
    return numbers


def last_filled_row(sheet) -> int:
    for number in range(sheet.max_row, 0, -1):
        if any(c.value not in (None, "") for c in sheet[number]):
            return number
    return 1


def _extend_validations(sheet, template_row: int, first: int, last: int) -> None:
    from openpyxl.utils import get_column_letter

    for validation in sheet.data_validations.dataValidation:
        for column in range(1, sheet.max_column + 1):
            letter = get_column_letter(column)
            if f"{letter}{template_row}" in validation.sqref and f"{letter}{last}" not in validation.sqref:
                validation.sqref.add(f"{letter}{first}:{letter}{last}")


def _extend_tables(sheet, template_row: int, last: int) -> None:
    from openpyxl.utils.cell import range_boundaries, get_column_letter

    for table in sheet.tables.values():
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        if max_row == template_row:
            table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{last}"
            if table.autoFilter is not None:
                table.autoFilter.ref = table.ref
