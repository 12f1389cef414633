"""Reading CSV and XLSX files into all-text Polars frames, finding the header row.

Exports of the national system carry one or two title rows (and sometimes a blank one) above the header; the
header is the row among the first :data:`HEADER_SCAN_ROWS` that names the most known columns. Every cell is read
as text so that nothing is lost before the parsers of :mod:`fupin.batch.cells` look at it (ID numbers stay exact;
Excel dates arrive as ``YYYY-MM-DD 00:00:00``).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from fupin.core.errors import ApplicationError

HEADER_SCAN_ROWS = 15
XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")


@dataclass
class Table:
    frame: pl.DataFrame | None  # columns named by the header cells (deduplicated), all Utf8
    header_row: int  # 1-based row number of the header in the file
    headers: list[str] = field(default_factory=list)
    sheet: str = ""
    encoding: str = ""
    # Large CSV files are read in pieces instead (``frame`` is None): a generator of frames like ``frame``.
    pieces: Callable[[], Iterator[pl.DataFrame]] | None = None

    def frames(self) -> Iterator[pl.DataFrame]:
        """The data rows in consecutive pieces; each is handed out once and not kept here."""
        if self.pieces is not None:
            yield from self.pieces()
            return
        frame, self.frame = self.frame, None
        if frame is not None:
            yield frame

    def file_row(self, index: int) -> int:
        """1-based row number in the file of data row ``index`` (0-based)."""
        return self.header_row + 1 + index


def _dedupe(names: Iterable[str | None]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, raw in enumerate(names):
        name = (raw or "").strip() or f"第{i + 1}列"
        if name in seen:
            seen[name] += 1
            name = f"{name}#{seen[name]}"
        else:
            seen[name] = 1
        out.append(name)
    return out


def _pick_header(rows: list[list[str | None]], score: Callable[[list[str]], int]) -> int:
    best, best_score = -1, 0
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        s = score([c or "" for c in row])
        if s > best_score:
            best, best_score = i, s
    if best < 0:
        raise ApplicationError(f"在文件前{HEADER_SCAN_ROWS}行中没有找到表头（没有一行包含可识别的列名，如“户编号”“姓名”“证件号码”）",
                               code="no_header")
    return best


def decode_csv(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) or GBK/GB18030, as Excel and WPS save them."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "UTF-8（带BOM）"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GBK"
    except UnicodeDecodeError:
        raise ApplicationError("无法识别文件编码：请另存为UTF-8或GBK编码的CSV文件", code="encoding") from None


def _head_lines(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO("\n".join(text.splitlines()[:HEADER_SCAN_ROWS]))))


CSV_PIECE_BYTES = 96 << 20  # a piece of a large CSV file: ~140,000 rows of the person layout
CSV_READ_AHEAD = True  # read the next piece in a thread while the caller works on the current one


def _first_record_end(data: bytes, start: int) -> int:
    """Offset just past the first record that begins at ``start``."""
    pos = start
    while True:
        nl = data.find(b"\n", pos)
        if nl < 0:
            return len(data)
        if data.count(b'"', start, nl) % 2 == 0:
            return nl + 1
        pos = nl + 1


def _last_record_end(block: bytes) -> int:
    """Offset just past the last complete record of ``block``, which begins with a record (0: none ends in it).

    A line break ends a record where it stands outside quotes, that is after an even number of quote characters
    (a doubled quote inside a quoted cell counts twice)."""
    cut = block.rfind(b"\n") + 1
    quotes = block.count(b'"', 0, cut)
    while cut and quotes % 2:
        before = block.rfind(b"\n", 0, cut - 1) + 1
        quotes -= block.count(b'"', before, cut)
        cut = before
    return cut


def _csv_block(fd: int, start: int, size: int) -> bytes:
    """The file's bytes from ``start`` (a record's start): about :data:`CSV_PIECE_BYTES` of them, ending at a
    record's end (more where one record is longer)."""
    want = CSV_PIECE_BYTES
    while True:
        block = os.pread(fd, want, start)
        if start + len(block) >= size:
            return block
        cut = _last_record_end(block)
        if cut:
            return block if cut == len(block) else block[:cut]
        want *= 2  # a record longer than a block


def _csv_pieces(path: Path, start: int, headers: list[str]) -> Iterator[pl.DataFrame]:
    """The data rows of a UTF-8 CSV file from byte ``start`` on, in pieces of about :data:`CSV_PIECE_BYTES`
    of text, each read and parsed by Polars as it is needed (with :data:`CSV_READ_AHEAD`, the next one in a
    thread while the caller works on the current one).

    Not Polars' streaming reader (``collect_batches``): it reads on while the caller works and keeps every piece
    it has read, so with a caller slower than the reader (validation is) it held up to ~900 MB of pieces of a
    million-row file; here at most one piece waits. A line break inside a quoted cell is no cut."""
    schema = {f"c{i}": pl.Utf8 for i in range(len(headers))}
    names = dict(zip(schema, headers, strict=True))
    size = path.stat().st_size

    def piece(fd: int, at: int) -> tuple[pl.DataFrame, int]:
        """The piece at byte ``at`` and the offset after it."""
        block = _csv_block(fd, at, size)
        try:
            frame = pl.read_csv(block, has_header=False, schema=schema, truncate_ragged_lines=True, quote_char='"',
                                raise_if_empty=False)
        except pl.exceptions.ComputeError as exc:
            if "utf" in str(exc).lower():
                raise ApplicationError("文件编码不一致：文件开头为UTF-8编码，后面的内容不是。请将整个文件另存为UTF-8或GBK编码",
                                       code="encoding") from None
            raise ApplicationError(f"CSV文件格式有误，无法读取：{exc}", code="csv") from None
        return frame.rename(names), at + len(block)

    with open(path, "rb") as fh, ThreadPoolExecutor(max_workers=1) as pool:
        fd = fh.fileno()
        if not CSV_READ_AHEAD:
            while start < size:
                frame, start = piece(fd, start)
                yield frame
            return
        ahead = pool.submit(piece, fd, start) if start < size else None
        while ahead is not None:
            frame, start = ahead.result()
            ahead = pool.submit(piece, fd, start) if start < size else None
            yield frame
            del frame


def read_csv(path: Path, score: Callable[[list[str]], int]) -> Table:
    """UTF-8 files are read by Polars straight from the file, in pieces (no copy as Python text, a bounded amount
    of raw text in memory at a time); GBK files are transcoded and read whole."""
    import codecs

    path = Path(path)
    with open(path, "rb") as fh:
        first = fh.read(1 << 20)
    bom = first.startswith(b"\xef\xbb\xbf")
    try:  # the first megabyte, tolerating a character cut at its end
        head_text = codecs.getincrementaldecoder("utf-8")().decode(first[3:] if bom else first, final=False)
    except UnicodeDecodeError:
        head_text = None
    if head_text is not None:
        h = _pick_header(_head_lines(head_text), score)
        pos = 3 if bom else 0
        for _ in range(h):  # title rows are skipped by line
            pos = first.index(b"\n", pos) + 1
        end = _first_record_end(first, pos)
        try:
            top = pl.read_csv(first[pos:end], infer_schema=False, has_header=False, truncate_ragged_lines=True,
                              quote_char='"')
        except pl.exceptions.ComputeError as exc:
            raise ApplicationError(f"CSV文件格式有误，无法读取：{exc}", code="csv") from None
        headers = _dedupe(top.row(0))
        # the data rows begin after the title rows and the header (which may hold quoted line breaks)
        return Table(frame=None, header_row=h + 1, headers=headers, encoding="UTF-8（带BOM）" if bom else "UTF-8",
                     pieces=lambda: _csv_pieces(path, end, headers))
    text, encoding = decode_csv(path.read_bytes())
    h = _pick_header(_head_lines(text[:1 << 20]), score)
    body = text.encode("utf-8")
    del text
    try:
        frame = pl.read_csv(io.BytesIO(body), infer_schema=False, has_header=False, truncate_ragged_lines=True,
                            quote_char='"', skip_lines=h)
    except pl.exceptions.ComputeError as exc:
        raise ApplicationError(f"CSV文件格式有误，无法读取：{exc}", code="csv") from None
    del body
    headers = _dedupe(frame.row(0))
    frame = frame.slice(1).rename(dict(zip(frame.columns, headers, strict=True)))
    return Table(frame=frame, header_row=h + 1, headers=headers, encoding=encoding)


def read_xlsx(path: Path, score: Callable[[list[str]], int], *, sheet: str | int | None = None) -> Table:
    """The sheet whose top rows look most like a header (templates carry an explanation sheet too).

    A large sheet is read in parts, several at a time (:mod:`fupin.batch.xlsx_parts`), and handed out in pieces
    like a large CSV file; a small one, or one that cannot be cut, is parsed whole by calamine."""
    import zipfile

    from . import xlsx_parts

    if sheet is None:
        try:
            with zipfile.ZipFile(path) as zf:
                found = xlsx_parts.sheets(zf)
                tops = []
                with tempfile.TemporaryDirectory(prefix="fupin-xlsx-") as folder:
                    for s in found:
                        rows = [list(r) for r in xlsx_parts.head(zf, s, Path(folder)).head(HEADER_SCAN_ROWS)
                                .iter_rows()]
                        tops.append((max((score([c or "" for c in r]) for r in rows), default=0), s, rows))
        except (zipfile.BadZipFile, xlsx_parts.NotSplittable, OSError):
            tops = []
        if tops:
            best_score, best, rows = max(tops, key=lambda t: t[0])  # the first of equals
            if best_score and best.size >= xlsx_parts.SPLIT_BYTES:
                try:
                    return _xlsx_in_parts(path, best, rows, score)
                except xlsx_parts.NotSplittable:
                    pass
            if best_score:
                sheet = best.name
    return _read_xlsx_whole(path, score, sheet=sheet)


def _xlsx_in_parts(path: Path, sheet, top_rows: list, score: Callable[[list[str]], int]) -> Table:
    from . import xlsx_parts

    h = _pick_header(top_rows, score)
    parts = xlsx_parts.read_parts(Path(path), sheet)
    first = next(parts, None)  # starts the reading; NotSplittable here means: read it whole
    if first is None:
        raise ApplicationError("Excel文件中没有找到包含可识别表头的工作表", code="no_header")
    headers = _dedupe(first.row(h))
    width = len(headers)

    def named(frame: pl.DataFrame) -> pl.DataFrame:
        frame = frame.select(frame.columns[:width])
        return frame.rename(dict(zip(frame.columns, headers, strict=True)))

    def pieces() -> Iterator[pl.DataFrame]:
        yield named(first.slice(h + 1))
        for frame in parts:
            yield named(frame)

    return Table(frame=None, header_row=h + 1, headers=headers, sheet=sheet.name, pieces=pieces)


def _read_xlsx_whole(path: Path, score: Callable[[list[str]], int], *, sheet: str | int | None = None) -> Table:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as exc:  # calamine reports broken zips and XML as various errors
        raise ApplicationError(f"无法读取Excel文件（{exc}）。请确认文件为.xlsx格式且未损坏", code="xlsx") from None
    # Each sheet is parsed once (parsing is most of the time of a large file; a sheet cannot be read in part):
    # the sheet whose top rows look most like a header wins (templates carry an explanation sheet too).
    best: tuple[int, str, pl.DataFrame] | None = None
    for name in reader.sheet_names if sheet is None else [sheet]:
        whole = pl.from_arrow(reader.load_sheet(name, header_row=None, dtypes="string", eager=True))
        rows = [list(r) for r in whole.head(HEADER_SCAN_ROWS).iter_rows()]
        score_ = max((score([c or "" for c in r]) for r in rows), default=0)
        if best is None or score_ > best[0]:
            best = (score_, str(name), whole)
        del whole
    if best is None or not best[0]:
        raise ApplicationError("Excel文件中没有找到包含可识别表头的工作表", code="no_header")
    _score, sheet_name, whole = best
    del best
    h = _pick_header([list(r) for r in whole.head(HEADER_SCAN_ROWS).iter_rows()], score)
    headers = _dedupe(whole.row(h))
    frame = whole.slice(h + 1)
    del whole
    if frame.width < len(headers):
        frame = frame.with_columns([pl.lit(None, pl.Utf8).alias(f"__pad{i}") for i in range(len(headers) - frame.width)])
    frame = frame.select(frame.columns[:len(headers)])
    frame = frame.rename(dict(zip(frame.columns, headers, strict=True)))
    return Table(frame=frame, header_row=h + 1, headers=headers, sheet=sheet_name)


def read_table(path: Path, score: Callable[[list[str]], int]) -> Table:
    suffix = Path(path).suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return read_xlsx(path, score)
    if suffix in CSV_SUFFIXES:
        return read_csv(path, score)
    if suffix == ".xls":
        raise ApplicationError("不支持旧版Excel（.xls）文件：请在Excel或WPS中另存为.xlsx后再导入", code="format")
    raise ApplicationError(f"不支持的文件类型“{suffix}”：请上传.xlsx或.csv文件", code="format")
