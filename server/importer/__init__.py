"""Old speeches (.txt, .docx) -> draft rows of the 段落 sheet (启用=否, with 来源 and 备注).

How the CLI (`biaotai import FILE... --library L [-o OUT] [--dry-run] [--json]`) calls it::

    from .importer import ImportFailed, import_files
    try:
        summary = import_files(paths, library_path, out_path=out, dry_run=dry_run)
    except ImportFailed as exc:          # bad encoding, unknown file type, too large, unwritable…
        print(exc, file=sys.stderr)      # a Chinese message naming the file
        return 2
    print(summary.to_json() if as_json else summary.to_text())
    return 0

An upload (the later `POST /api/library/import`) never touches disk before the workbook write:
`parse_document(data, filename)` turns bytes into speeches, and
`import_documents([(filename, data), ...], library_path, ...)` does the rest.

Bounds (limits.py): every file is extracted once; a .docx is read by streaming its parts out of the
zip and counting the bytes that come out (the sizes its headers claim are never trusted); paragraphs
(lines) and characters per file are capped before the text is parsed; the whole import has a time
budget. Reading and parsing take no lock: several imports (in several worker processes) plan at
once, and only the final replace runs under a file lock beside the workbook. Immediately before that
replace, the workbook is compared with the bytes the import read: if an editor saved meanwhile or has
it open in Excel (~$ owner file), nothing is replaced and the import's result is kept beside it.

The pipeline is pure up to the last step: extract_text -> split_speeches -> parse_speech ->
to_rows -> (plan_import) -> write_rows. Nothing here edits a workbook in place: the new file is
written beside it, synced, and swapped in with os.replace after a timestamped backup.

The package, one module a step: model (what the steps hand each other), extract (bytes ->
text -> speeches), segment (a speech -> its parts), mapping (placeholders -> {{ variables }}), rows
(documents -> draft rows -> the workbook).
"""
from __future__ import annotations

from .model import (FEEDBACK, IMPORT_TAG, ImportFailed, ImportedPart, ImportedSpeech, MOBILISATION, Paragraph,
    REQUIRED_COLUMNS, REVISIT, RawSpeech, SHEET)  # noqa: F401
from .extract import (Budget, clean_lines, decode_text, extract_text, is_title, normalize_lines,
    split_speeches)  # noqa: F401
from .mapping import (MapContext, Rule, apply_mapping, finish_template, map_text)  # noqa: F401
from .segment import (assign_slots, classify_meeting, find_points, parse_speech)  # noqa: F401
from .rows import (DraftRow, Duplicate, FileReport, IMPORTED_FILL, ImportSummary, LibraryFacts,
    NEAR_DUPLICATE, SimilarBodies, commit_rows, dropped_noise, file_report, flag_outdated,
    import_documents, import_files, normalize_for_compare, parse_document, parse_text, plan_import,
    read_facts, source_label, to_rows, write_rows)  # noqa: F401
