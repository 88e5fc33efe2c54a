"""Work out a text file's encoding: UTF-8 (with or without a byte-order mark), else Windows-1252.

Partners' exports come from Excel, school information systems and hand-kept spreadsheets:
UTF-8 (often with the BOM Excel writes), UTF-16 from Excel's "Unicode Text", or the Windows
"ANSI" code page 1252. Valid UTF-8 is a strong signal (Windows-1252 text with accented letters
is almost never valid UTF-8), so a strict UTF-8 pass over the whole file decides, and a
statistical detector, which can mistake a short Windows-1252 file for another code page and
corrupt names, is not needed for the encodings partners actually send.
"""

from __future__ import annotations

import codecs
from pathlib import Path

__all__ = ["AUTO", "FALLBACK_ENCODING", "detect_encoding", "is_known_encoding"]

AUTO = "auto"
FALLBACK_ENCODING = "cp1252"
_BLOCK_BYTES = 1 << 20
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def detect_encoding(path: Path) -> str:
    """Given a file, returns "utf-8-sig" when it starts with a UTF-8 byte-order mark,
    "utf-16" with a UTF-16 one, "utf-8" when every byte decodes strictly as UTF-8, and
    otherwise "cp1252". Reads the file in blocks, so memory stays small; raises OSError."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    with open(path, "rb") as handle:
        block = handle.read(_BLOCK_BYTES)
        for mark, encoding in _BYTE_ORDER_MARKS:
            if block.startswith(mark):
                return encoding
        try:
            while block:
                decoder.decode(block)
                block = handle.read(_BLOCK_BYTES)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return FALLBACK_ENCODING
    return "utf-8"


def is_known_encoding(name: str) -> bool:
    """Given an encoding name from the configuration, returns whether Python knows it
    ("auto" included)."""
    if name == AUTO:
        return True
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True
