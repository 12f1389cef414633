"""Reading a large XLSX sheet in parts, several at a time, with calamine (fastexcel) doing the parsing.

calamine parses a sheet whole, on one thread, and holds every cell until it hands the sheet over: a national
export of a million persons (1.9 GB of sheet XML) takes ~20 s and ~4 GB that way. Here the sheet's XML is
inflated as a stream and cut at row boundaries into parts of about :data:`PART_BYTES`; each part becomes a small
uncompressed workbook (the original's other members — shared strings, styles — copied as they are) that calamine
reads on a worker thread (it releases the GIL), :data:`WORKERS` parts at a time, while the next part is cut.
The parts come back in order, so the caller sees consecutive pieces of the sheet, as for a large CSV file.

What makes a part read exactly like the rows of the whole sheet:

- calamine's range of a part starts at the part's first cell. Every part after the first therefore begins with
  a marker row at the previous part's last row number, with a cell in column A and one in the first part's last
  column; the marker is dropped after reading. Rows left out of the XML because they are empty (between parts
  too) come back as empty rows, columns past the last filled one as empty columns: the row numbers of the file
  and the columns are those of the whole sheet.
- ``<dimension>`` is dropped from each part's XML (it describes the whole sheet).

The cut needs row elements with ``r`` attributes (every writer we know sets them); a sheet without them, or a
workbook whose structure is not understood, is read whole instead.
"""

from __future__ import annotations

import contextlib
import queue
import re
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import polars as pl

PART_BYTES = 160 << 20  # sheet XML per part: about 90,000 rows of the national person layout
# Every part carries the workbook's shared strings, which calamine parses again for each part: a part is at
# least this many times the shared strings' size (measured on a 157 MB sheet with 19 MB of shared strings: whole
# 2.0 s of CPU, parts of 16 MB 4.4 s, of 48 MB 3.7 s).
SHARED_STRINGS_FACTOR = 4
SPLIT_BYTES = 64 << 20  # sheets with less XML than this are read whole
WORKERS = 2
READ_BLOCK = 16 << 20
HEAD_BYTES = 1 << 20  # enough XML for the top rows of a sheet (header detection)

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
SUFFIX = b"</sheetData></worksheet>"


class NotSplittable(Exception):
    """The sheet cannot be cut safely: read it whole."""


@dataclass(frozen=True)
class Sheet:
    name: str
    member: str  # path of its XML inside the zip
    size: int  # uncompressed bytes of that XML


def sheets(zf: zipfile.ZipFile) -> list[Sheet]:
    """The workbook's worksheets in order, with their XML members (from workbook.xml and its relationships)."""
    try:
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError) as exc:
        raise NotSplittable(str(exc)) from None
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{{{PKG_REL_NS}}}Relationship")}
    out = []
    for s in book.iter(f"{{{MAIN_NS}}}sheet"):
        target = targets.get(s.get(f"{{{REL_NS}}}id"), "")
        member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        try:
            out.append(Sheet(s.get("name", ""), member, zf.getinfo(member).file_size))
        except KeyError:
            raise NotSplittable(f"missing {member}") from None
    return out


def _column_letters(n: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _row_number(xml: bytes, last: bool) -> int:
    matches = list(_ROW_NUMBER.finditer(xml[-4096:] if last and len(xml) > 4096 else xml[:4096]))
    if not matches:
        if last:  # a very long last row: search the whole part
            matches = list(_ROW_NUMBER.finditer(xml))
        if not matches:
            raise NotSplittable("rows without r attributes")
    return int((matches[-1] if last else matches[0]).group(1))


class _Book:
    """Writes part workbooks: the original's members, with the sheet's XML replaced by a part."""

    def __init__(self, zf: zipfile.ZipFile, sheet: Sheet, folder: Path):
        self.zf, self.sheet, self.folder, self.n = zf, sheet, folder, 0
        # Other worksheets are replaced by an empty sheet (they may be large; they are not read).
        others = {s.member for s in sheets(zf)} - {sheet.member}
        self.members = [(info.filename, None if info.filename in others else zf.read(info.filename))
                        for info in zf.infolist() if info.filename != sheet.member]

    def write(self, xml: bytes) -> Path:
        self.n += 1
        path = self.folder / f"part{self.n}.xlsx"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as out:
            for name, data in self.members:
                out.writestr(name, data if data is not None else
                             b'<worksheet xmlns="' + MAIN_NS.encode() + b'"><sheetData/></worksheet>')
            out.writestr(self.sheet.member, xml)
        return path


def _load(path: Path, sheet_name: str) -> pl.DataFrame:
    import fastexcel

    reader = fastexcel.read_excel(str(path))
    frame = pl.from_arrow(reader.load_sheet(sheet_name, header_row=None, dtypes="string", eager=True))
    path.unlink(missing_ok=True)
    return frame


def head(zf: zipfile.ZipFile, sheet: Sheet, folder: Path) -> pl.DataFrame:
    """The top rows of a sheet (from the first megabyte of its XML), as calamine reads them."""
    with zf.open(sheet.member) as fh:
        data = fh.read(HEAD_BYTES)
    start = data.find(b"<row")
    if start < 0:
        return pl.DataFrame()
    cut = data.rfind(b"</row>")
    if cut < start:
        raise NotSplittable("first rows longer than the head")
    xml = _DIMENSION.sub(b"", data[:start]) + data[start:cut + 6] + SUFFIX
    return _load(_Book(zf, sheet, folder).write(xml), sheet.name)


def _last_column(dimension: bytes) -> int | None:
    """Columns of ``<dimension ref="A1:BO1000001"/>`` (None without one)."""
    m = re.search(rb'ref="[A-Z]+\d+:([A-Z]+)\d+"', dimension)
    if not m:
        return None
    n = 0
    for ch in m.group(1):
        n = n * 26 + ch - 64
    return n


def read_parts(path: Path, sheet: Sheet) -> Iterator[pl.DataFrame]:
    """The sheet's rows in consecutive all-text frames with columns ``column_1`` …, of one width.

    Raises :class:`NotSplittable` on the first frame when the sheet cannot be cut safely (nothing was handed
    out yet: read it whole)."""
    folder = Path(tempfile.mkdtemp(prefix="fupin-xlsx-"))
    with zipfile.ZipFile(path) as zf:
        shared = sum(i.file_size for i in zf.infolist() if i.filename.lower().endswith("sharedstrings.xml"))
    part_bytes = max(PART_BYTES, SHARED_STRINGS_FACTOR * shared)
    results: queue.Queue = queue.Queue(maxsize=WORKERS)
    stop = threading.Event()
    width: list[int] = []  # the frames' width, once known (from <dimension>, else from the first part)
    known = threading.Event()

    def cut_parts() -> None:
        """Producer: inflate, cut, write, submit; futures go to ``results`` in order (None ends)."""
        try:
            with zipfile.ZipFile(path) as zf, zf.open(sheet.member) as fh, \
                    ThreadPoolExecutor(max_workers=WORKERS) as pool:
                book = _Book(zf, sheet, folder)
                prefix, buf, last_row = None, bytearray(), 0
                while not stop.is_set():
                    block = fh.read(READ_BLOCK)
                    buf.extend(block)
                    if prefix is None:
                        start = buf.find(b"<row")
                        if start < 0:
                            if not block:
                                break
                            continue
                        dimension = _DIMENSION.search(bytes(buf[:start]))
                        if dimension and (columns := _last_column(dimension.group(0))):
                            width.append(columns)
                            known.set()
                        prefix = _DIMENSION.sub(b"", bytes(buf[:start]))
                        del buf[:start]
                    if len(buf) < part_bytes and block:
                        continue
                    cut = buf.rfind(b"</row>")
                    if cut < 0:
                        if not block:
                            break
                        continue
                    rows = bytes(buf[:cut + 6])
                    del buf[:cut + 6]
                    if not last_row:  # the first part: can the sheet be cut at all?
                        _row_number(rows, last=False)
                        if b'<c r="A' not in rows:  # a sheet without column A: the parts would not line up
                            raise NotSplittable("no cell in column A")
                    else:  # every later part starts with the marker row (see the module)
                        known.wait()
                        letters = _column_letters(max(width[0], 1))
                        marker = (f'<row r="{last_row}"><c r="A{last_row}" t="inlineStr"><is><t>#</t></is></c>'
                                  f'<c r="{letters}{last_row}" t="inlineStr"><is><t>#</t></is></c></row>').encode()
                        rows = marker + rows
                    part = book.write(prefix + rows + SUFFIX)
                    last_row = _row_number(rows, last=True)
                    results.put(pool.submit(_load, part, sheet.name))
                    del rows
                    if not block:
                        break
        except BaseException as exc:  # noqa: BLE001 — handed to the consumer, which raises it
            failed: Future = Future()
            failed.set_exception(exc)
            results.put(failed)
        results.put(None)

    producer = threading.Thread(target=cut_parts, name="xlsx-parts", daemon=True)
    producer.start()
    try:
        first = True
        while (future := results.get()) is not None:
            frame = future.result()
            if first:
                if not width:
                    width.append(frame.width)
                known.set()
            else:
                frame = frame.slice(1)  # the marker row
            first = False
            if frame.width < width[0]:
                frame = frame.with_columns([pl.lit(None, pl.Utf8).alias(f"__pad{i}")
                                            for i in range(width[0] - frame.width)])
            frame = frame.select(frame.columns[:width[0]])
            frame.columns = [f"column_{i + 1}" for i in range(width[0])]
            if frame.height:
                yield frame
            del frame
    finally:
        stop.set()
        known.set()
        while producer.is_alive():  # let the producer finish (it may be blocked on a full queue)
            with contextlib.suppress(queue.Empty):
                results.get(timeout=0.1)
        producer.join()
        shutil.rmtree(folder, ignore_errors=True)
