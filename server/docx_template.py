"""Fill the Word templates in word_templates/ with docxtpl's semantics at a fraction of its cost.

A bare docxtpl call re-reads the .docx, re-patches and re-compiles document.xml and re-serialises
every part on each request. Here docxtpl's own machinery runs once per template; a render only
runs the compiled Jinja template, applies docxtpl's post-processing and zips the result with the
other parts' bytes as python-docx would save them. tests/test_docx_template.py holds the output
to docxtpl's own for the same contexts.
"""
from __future__ import annotations

import copy
import io
import os
import re
import threading
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import nsmap, qn
from docxtpl import DocxTemplate
from jinja2 import Environment, Template
from lxml import etree

from .text import strip_xml_forbidden


# Jinja markup as docxtpl recognises it after patch_xml.
_JINJA_MARKUP = re.compile(r"\{[{%#]")

# docxtpl's patch_xml/resolve_listing/fix_tables use no instance state: one idle instance
# lends them to every thread, so we follow docxtpl's code instead of copying it.
_DOCXTPL = DocxTemplate(io.BytesIO())

# python-docx writes each member with writestr(name, ...): same mode bits; a fixed date makes
# equal contexts give equal bytes.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_ZIP_MODE = 0o600 << 16

_DOCUMENT_MEMBER = "word/document.xml"

# The core properties DocxTemplate.render_properties passes through Jinja.
_RENDERED_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")


def clean_value(value: Any) -> Any:
    """value with every str in it (through mappings, lists, tuples) made safe for the XML.

    This is what render() hands to Jinja; lists and mappings come back as new lists and dicts.
    """
    if isinstance(value, str):
        # Word hands out "\r" as its paragraph mark; left alone, XML parsing turns it into a
        # newline inside w:t, which Word shows as a space. As "\n" docxtpl makes it a line break.
        return strip_xml_forbidden(value).replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, Mapping):
        return {key: clean_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_value(item) for item in value]
    return value


def _environment() -> Environment:
    # Exactly what DocxTemplate.render(ctx, autoescape=True) builds: no filters, no extensions.
    return Environment(autoescape=True)


def _mark_paragraphs(src_xml: str) -> str:
    # DocxTemplate.render_xml_part, before rendering: a newline ahead of each paragraph
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", src_xml)


_LITERAL_ESCAPES = {"{_{": "{{ '{{' }}", "}_}": "{{ '}}' }}", "{_%": "{{ '{%' }}", "%_}": "{{ '%}' }}"}


def _compile_literal_escapes(src_xml: str) -> str:
    """docxtpl's escapes for literal braces in a template ({_{ -> {{), as Jinja string literals.

    docxtpl undoes them on the rendered output, values included, so a writer who types "{_{"
    would get "{{". Undoing them in the template instead gives the same document for every other
    value and keeps every value exactly as typed (a deliberate difference from docxtpl).
    """
    return re.sub(r"\{_\{|\}_\}|\{_%|%_\}", lambda m: _LITERAL_ESCAPES[m.group()], src_xml)


def _post_process(dst_xml: str) -> str:
    """DocxTemplate.render_xml_part after rendering: undo the newlines, then the listing."""
    dst_xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", dst_xml)
    # "\n" in a value becomes <w:br/>, "\t" <w:tab/> (\a and \f were stripped beforehand)
    return _DOCXTPL.resolve_listing(dst_xml)


def _parse(xml: str, what: str, remove_blank_text: bool = False) -> etree._Element:
    # docxtpl re-parses with recover=True, which silently drops text from broken XML; with
    # autoescape the XML is well-formed, so a strict parse gives the same tree or a loud error.
    parser = etree.XMLParser(resolve_entities=False, remove_blank_text=remove_blank_text)
    try:
        return etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"{what}: rendered XML is not well-formed: {exc}") from exc


def _fix_body(xml: str, what: str) -> etree._Element:
    """The body tree as DocxTemplate.render makes it: fix_tables, then fix_docpr_ids."""
    tree = _parse(xml, what)
    if tree.find(".//" + qn("w:tbl")) is not None:
        tree = _DOCXTPL.fix_tables(xml)
    # fix_docpr_ids, with its counter local to this render (docxtpl keeps it on the instance)
    for number, doc_pr in enumerate(tree.iterfind(".//wp:docPr", nsmap), start=1001):
        doc_pr.attrib["id"] = str(number)
    return tree


def _has_markup(text: str | None) -> bool:
    return bool(text) and _JINJA_MARKUP.search(text) is not None


class PreparedTemplate:
    """One .docx template, patched and compiled once; render() is safe to call from many threads."""

    def __init__(
        self,
        path: Path,
        body: Template,
        document_shell: etree._Element,
        parts: dict[str, Template],
        members: list[tuple[str, bytes | None]],
    ) -> None:
        self.path = path
        self._body = body
        self._document_shell = document_shell  # w:document without its w:body; never mutated
        self._parts = parts  # header/footer members that contain Jinja markup
        self._members = members  # zip order; None where the bytes are rendered

    @classmethod
    def load(cls, path: Path) -> "PreparedTemplate":
        tpl = DocxTemplate(io.BytesIO(path.read_bytes()))
        tpl.init_docx()
        document = tpl.docx
        _refuse_unsupported_markup(tpl, path)
        env = _environment()

        # DocxTemplate.build_xml up to the rendering: body -> patch_xml -> newline marks
        body = env.from_string(_compile_literal_escapes(_mark_paragraphs(tpl.patch_xml(tpl.get_xml()))))

        shell = copy.deepcopy(document.element)
        shell.remove(shell.find(qn("w:body")))

        # DocxTemplate.build_headers_footers_xml: only parts with markup can change
        parts: dict[str, Template] = {}
        for rel in document.part.rels.values():
            if rel.is_external or rel.reltype not in (RT.HEADER, RT.FOOTER):
                continue
            part = rel.target_part
            if not part.blob:
                continue
            src = tpl.patch_xml(tpl.get_part_xml(part))
            if _has_markup(src):
                parts[part.partname.membername] = env.from_string(_compile_literal_escapes(_mark_paragraphs(src)))

        # DocxTemplate.render_properties, done once: without markup a property renders to itself
        # (give or take Jinja's trailing-newline rule), so the result does not depend on context
        props = document.core_properties
        for name in _RENDERED_PROPERTIES:
            setattr(props, name, env.from_string(getattr(props, name)).render())

        # every other member as DocxTemplate.save would write it (python-docx re-serialises parts)
        saved = io.BytesIO()
        document.save(saved)
        members: list[tuple[str, bytes | None]] = []
        with zipfile.ZipFile(saved) as package:
            for name in package.namelist():
                rendered = name == _DOCUMENT_MEMBER or name in parts
                members.append((name, None if rendered else package.read(name)))
        return cls(path, body, shell, parts, members)

    def render(self, context: Mapping[str, Any], keywords: str | None = None) -> bytes:
        """The filled .docx; values are escaped data, never template or XML. `keywords`, when given,
        becomes the document's 关键词 core property (how a speech keeps its seed)."""
        ctx = clean_value(context)
        what = str(self.path)
        tree = _fix_body(_post_process(self._body.render(ctx)), what)
        # DocxTemplate.map_tree + python-docx's save; appending drops the body's now redundant
        # namespace declarations, as the replace in map_tree does
        document = copy.deepcopy(self._document_shell)
        document.append(tree)
        rendered = {
            _DOCUMENT_MEMBER: etree.tostring(document, encoding="UTF-8", standalone=True)
        }
        for name, template in self._parts.items():
            # XmlPart.load parses strictly without blank text; python-docx then serialises it
            part = _parse(_post_process(template.render(ctx)), f"{what}:{name}", True)
            rendered[name] = etree.tostring(part, encoding="UTF-8", standalone=True)

        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
            for name, data in self._members:
                info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = _ZIP_MODE
                if name == _CORE_MEMBER and keywords and data is not None:
                    data = _with_keywords(data, keywords)
                package.writestr(info, rendered[name] if data is None else data)
        return out.getvalue()


_CORE_MEMBER = "docProps/core.xml"
_CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"


def _with_keywords(core_xml: bytes, keywords: str) -> bytes:
    """docProps/core.xml with cp:keywords set (created when the template has none)."""
    root = etree.fromstring(core_xml)
    element = root.find(f"{{{_CP}}}keywords")
    if element is None:
        element = etree.SubElement(root, f"{{{_CP}}}keywords")
    element.text = strip_xml_forbidden(keywords)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _refuse_unsupported_markup(tpl: DocxTemplate, path: Path) -> None:
    """docxtpl also renders core properties and footnotes; we do not, so such a template fails."""
    props = tpl.docx.core_properties
    for name in _RENDERED_PROPERTIES:
        if _has_markup(getattr(props, name)):
            raise ValueError(f"{path}: Jinja markup in document property {name!r} is not supported")
    for part in tpl.docx.part.package.iter_parts():
        if part.content_type == CT.WML_FOOTNOTES and _has_markup(part.blob.decode("utf-8")):
            raise ValueError(f"{path}: Jinja markup in footnotes is not supported")


_cache: dict[Path, tuple[tuple[int, int], PreparedTemplate]] = {}
_cache_lock = threading.Lock()


def prepared_template(path: Path) -> PreparedTemplate:
    """The prepared template for path, reloaded when the file's mtime or size changes.

    One entry per path, so a designer saving the template in Word replaces it instead of
    piling up versions. The hot path is one stat and a dict lookup; only loading (rare, a few
    milliseconds) takes the lock.
    """
    stat = os.stat(path)
    version = (stat.st_mtime_ns, stat.st_size)
    hit = _cache.get(path)
    if hit is not None and hit[0] == version:
        return hit[1]
    with _cache_lock:
        hit = _cache.get(path)
        if hit is None or hit[0] != version:
            hit = (version, PreparedTemplate.load(Path(path)))
            _cache[path] = hit
        return hit[1]
