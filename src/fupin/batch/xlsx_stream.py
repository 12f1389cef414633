"""A one-sheet XLSX file written piece by piece from Polars frames: exports of a million rows in bounded memory.

The sheet's XML is built by Polars expressions (one string per row, all rows of a piece at once) and deflated
on a second thread while the next piece is formatted; nothing is kept per cell. Text is written as inline
strings, numbers as numbers; the header row is bold and frozen. Readable by Excel, WPS, LibreOffice and
calamine (our importer).
"""

from __future__ import annotations

import queue
import threading
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import polars as pl

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_CONTENT_TYPES = (
    _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>')
_ROOT_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
    f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>')
_STYLES = (
    _HEAD + f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
_INVALID_XML = r"[\x00-\x08\x0B\x0C\x0E-\x1F]"
_SPECIAL = r"[&<>\x00-\x08\x0B\x0C\x0E-\x1F]"


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _escape_expr(expr: pl.Expr) -> pl.Expr:
    e = expr.str.replace_all("&", "&amp;", literal=True).str.replace_all("<", "&lt;", literal=True)
    e = e.str.replace_all(">", "&gt;", literal=True)
    return e.str.replace_all(_INVALID_XML, "")


class XlsxStream:
    """``with XlsxStream(path, headers) as x: x.write(frame) …``; frames have the headers' columns in order."""

    PART_ROWS = 20_000

    def __init__(self, path: str | Path, headers: list[str], *, sheet_name: str = "Sheet1",
                 column_width: float = 14, compresslevel: int = 1):
        self.path, self.headers, self.sheet_name = Path(path), list(headers), sheet_name
        self.column_width, self.compresslevel = column_width, compresslevel
        self.rows = 0  # data rows written
        self.threads = max(1, min(8, pl.thread_pool_size()))

    def __enter__(self) -> XlsxStream:
        self._zip = zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=self.compresslevel)
        for name, text in (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _ROOT_RELS),
                           ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS), ("xl/styles.xml", _STYLES),
                           ("xl/workbook.xml", _HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
                            f'<sheet name="{escape(self.sheet_name, {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/>'
                            '</sheets></workbook>')):
            self._zip.writestr(name, text)
        self._sheet = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        # Deflating runs on its own thread (zlib releases the GIL) while the next piece is formatted.
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()
        width = len(self.headers)
        header = "".join(f'<c r="{column_letter(i)}1" s="1" t="inlineStr"><is><t>{escape(h)}</t></is></c>'
                         for i, h in enumerate(self.headers))
        self._put(_HEAD + f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetViews><sheetView tabSelected="1" '
                  'workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                  '<selection pane="bottomLeft"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
                  + (f'<cols><col min="1" max="{width}" width="{self.column_width}" customWidth="1"/></cols>'
                     if width else "")
                  + f'<sheetData><row r="1">{header}</row>')
        return self

    def _drain(self) -> None:
        try:
            while (data := self._queue.get()) is not None:
                self._sheet.write(data)
        except BaseException as exc:  # reported by the writing thread
            self._error = exc
            while self._queue.get() is not None:
                pass

    def _put(self, data: str | bytes) -> None:
        if self._error:
            raise self._error
        self._queue.put(data.encode("utf-8") if isinstance(data, str) else data)

    def write(self, frame: pl.DataFrame) -> None:
        if not frame.height:
            return
        first = self.rows + 2
        frame = frame.with_columns(pl.int_range(first, first + frame.height).cast(pl.Utf8).alias("__r"))
        r = pl.col("__r")
        cells = []
        for i, (name, dtype) in enumerate(list(frame.schema.items())[:-1]):
            ref = pl.lit(f'<c r="{column_letter(i)}')
            if dtype.is_numeric():
                value = pl.col(name)
                if dtype.is_float():
                    value = pl.when(value.is_finite()).then(value)
                parts = [ref, r, pl.lit('"><v>'), value.cast(pl.Utf8), pl.lit("</v></c>")]
            elif dtype == pl.Boolean:
                parts = [ref, r, pl.lit('" t="b"><v>'), pl.col(name).cast(pl.Int8).cast(pl.Utf8), pl.lit("</v></c>")]
            else:
                text = pl.col(name).cast(pl.Utf8)
                if frame[name].cast(pl.Utf8).str.contains(_SPECIAL).any():  # escaping only where it is needed
                    text = _escape_expr(text)
                parts = [ref, r, pl.lit('" t="inlineStr"><is><t>'), pl.when(text != "").then(text),
                         pl.lit("</t></is></c>")]
            cells.append(pl.concat_str(parts))  # null (no cell) where the value is empty
        row = pl.concat_str([pl.lit('<row r="'), r, pl.lit('">'), pl.concat_str(cells, ignore_nulls=True),
                             pl.lit("</row>")])
        # Rows are formatted in parts of PART_ROWS (a part's XML is a few tens of MB), ``threads`` parts at a time
        # (one expression is evaluated on one thread).
        starts = list(range(0, frame.height, self.PART_ROWS))
        for group in range(0, len(starts), self.threads):
            parts = pl.collect_all([frame.lazy().slice(start, self.PART_ROWS).select(
                row.str.join("").cast(pl.Binary)) for start in starts[group:group + self.threads]])
            for p in parts:
                self._put(p.item())
            del parts
        self.rows += frame.height

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._put("</sheetData></worksheet>")
        finally:
            self._queue.put(None)
            self._thread.join()
            self._sheet.close()
            self._zip.close()
        if self._error and exc_type is None:
            raise self._error
