"""A CSV file as rows of stripped text under a fixed header, and the problems found in it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext as _


@dataclass(frozen=True, order=True)
class Problem:
    """Why one row cannot be imported. ``column`` names the column at fault ("" when it is
    the row as a whole); the value itself is only repeated where it is harmless."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class FileRefused(ValueError):
    """The file as a whole cannot be read: its encoding or its header."""


def decode(content: bytes) -> str:
    """UTF-8, with or without the byte-order mark spreadsheet programs write."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRefused(_("The file is not UTF-8 text.")) from error


def utf8_lines(raw: IO[bytes]) -> Iterator[str]:
    """The lines of a binary file as UTF-8 text (a byte-order mark dropped), read as they
    are needed, so a file of any size is streamed; not UTF-8: ``FileRefused``, as ``decode``
    says it, wherever in the file the bad byte is."""
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    try:
        yield from text
    except UnicodeDecodeError as error:
        raise FileRefused(_("The file is not UTF-8 text.")) from error


def _read(reader: Any) -> Iterator[list[str]]:
    """The reader's records, a file it cannot parse (a value past the csv module's size
    limit, a quote never closed) refused with the line where it stopped, not a traceback."""
    try:
        yield from reader
    except csv.Error as error:
        raise FileRefused(
            _(
                "Line %(line)d cannot be read: a value is far too long or a quotation mark "
                "is never closed."
            )
            % {"line": reader.line_num}
        ) from error


def count_csv_rows(text: Iterable[str]) -> int:
    """How many data rows ``csv_rows`` will read from the same file (header and blank lines
    not counted): a quick first pass so a progress bar knows its end."""
    reader = csv.reader(text)
    return max(sum(1 for values in _read(reader) if values) - 1, 0)


def csv_rows(
    text: str | Iterable[str], columns: Sequence[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Each data row with its line number in the file (the header is line 1), every value
    stripped. A header other than ``columns``, in that order, refuses the whole file. Give
    an open text file to stream it: rows are read one at a time."""
    reader = csv.reader(text.splitlines() if isinstance(text, str) else text)
    records = _read(reader)
    header = next(records, None)
    if header is None or [name.strip() for name in header] != list(columns):
        raise FileRefused(_("The header must be: %(columns)s") % {"columns": ",".join(columns)})
    width = len(columns)
    for values in records:
        if not values:
            continue  # a blank line, as a spreadsheet leaves between rows
        # A short row reads as empty cells (each then told it is missing), extra cells past
        # the last column are not read. The line is where the row ends in the file, as a
        # text editor counts (blank lines included).
        if len(values) < width:
            values += [""] * (width - len(values))
        yield reader.line_num, dict(zip(columns, map(str.strip, values[:width]), strict=True))
