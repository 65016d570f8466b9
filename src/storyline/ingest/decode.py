"""Bytes on disk -> text, defensively.

Two steps, so that readers which parse bytes themselves (feedparser, warcio) can
share the first one:

1. ``load_bytes``: refuse files over ``max_file_bytes`` before reading them, read,
   decompress by magic number (gzip), refuse empty and binary files.
2. ``decode_text``: the encoding cascade (BOM, UTF-8, the charset the document
   declares, charset-normalizer, UTF-8 with replacement last), then mojibake repair
   with ftfy (encoding repairs only: typographic quotes and dashes are kept), line
   endings to ``\\n`` and Unicode NFC.

Every problem becomes a ``Rejected`` with one sentence; every decision that changes
the text is written to ``notes`` so a user can see what was done.
"""

from __future__ import annotations

import codecs
import gzip
import io
import logging
import re
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer
import ftfy
import ftfy.chardata

from storyline.records import Rejected
from storyline.settings import Settings

LOGGER = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"

# Magic numbers of formats that are never article text. Checked before the encoding
# cascade, because charset-normalizer will happily "decode" a PNG as some legacy
# code page and the article would be garbage.
BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive or Office document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Microsoft Office document"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"\x28\xb5\x2f\xfd", "zstd archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\x7fELF", "ELF executable"),
    (b"MZ", "Windows executable"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"OggS", "Ogg audio/video"),
    (b"ID3", "MP3 audio"),
    (b"\x1aE\xdf\xa3", "Matroska/WebM video"),
    (b"wOFF", "web font"),
    (b"wOF2", "web font"),
)

BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# How much of a file is examined for NUL bytes and for a declared charset.
SNIFF_BYTES = 8192

# A charset declared in HTML (<meta charset>, http-equiv) or in an XML prolog.
DECLARED_CHARSET = re.compile(
    rb"""(?:<meta[^>]+charset\s*=\s*["']?|<\?xml[^>]+encoding\s*=\s*["'])([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)

# Browsers decode these labels as windows-1252 (WHATWG Encoding Standard): pages
# declaring latin-1 routinely contain curly quotes from the 0x80-0x9F range.
WHATWG_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
                  "ascii": "cp1252", "us-ascii": "cp1252", "iso8859-1": "cp1252"}

# ftfy, restricted to repairs of wrongly decoded text. Everything that would change
# what the author wrote (curly quotes, ligatures, full-width letters, HTML entities,
# line breaks, control characters) is off: cleaning decides about those, and logs it.
REPAIR_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=True,
    remove_control_chars=False,
    normalization="NFC",
    explain=False,
)


C1_CONTROLS = re.compile("[\x80-\x9f]")

REPAIR_NOTE = "repaired mojibake (text decoded with the wrong encoding) with ftfy"


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text decoded from bytes, the encoding used and what was done to get it."""

    text: str
    encoding: str
    notes: tuple[str, ...] = ()


def describe_size(n_bytes: int) -> str:
    """Human size in decimal units, as a user reads it in a file manager."""
    if n_bytes >= 1_000_000:
        return f"{n_bytes / 1_000_000:.1f}".removesuffix(".0") + " MB"
    if n_bytes >= 1_000:
        return f"{n_bytes / 1_000:.1f}".removesuffix(".0") + " KB"
    return f"{n_bytes} bytes"


def too_large(source: str, n_bytes: int, limit: int) -> Rejected:
    """The one wording for a file whose size is known to be over ``max_file_bytes``."""
    return Rejected(source, f"file is {describe_size(n_bytes)}, over the limit of "
                            f"{describe_size(limit)} (setting max_file_bytes)")


def over_limit(source: str, what: str, limit: int) -> Rejected:
    """The wording for data found to be over ``max_file_bytes`` while streaming it."""
    return Rejected(source, f"{what} more than the limit of {describe_size(limit)} "
                            f"(setting max_file_bytes)")


def load_bytes(path: Path, settings: Settings) -> bytes | Rejected:
    """Read a file's bytes, gunzipped if they are gzip, or say why not.

    The size is checked with ``stat`` first, so a huge file is never read; the read
    itself is also capped, in case the file grows meanwhile or is not a regular file.

    Args:
        path: the file.
        settings: ``max_file_bytes`` applies to the file and to its decompressed data.

    Returns:
        The (decompressed) bytes, or a ``Rejected`` naming the problem.

    Example:
        >>> load_bytes(Path("empty.txt"), Settings())  # doctest: +SKIP
        Rejected(source='empty.txt', reason='empty file', stage='ingest', line=None)
    """
    source, limit = str(path), settings.max_file_bytes
    try:
        size = path.stat().st_size
        if size > limit:
            return too_large(source, size, limit)
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        return Rejected(source, f"cannot read the file: {exc.strerror or exc}")
    if len(data) > limit:  # the file grew after stat, or is not a regular file
        return over_limit(source, "file has", limit)
    if not data:
        return Rejected(source, "empty file")
    if data.startswith(GZIP_MAGIC):
        data = gunzip(data, source, limit)
        if isinstance(data, Rejected):
            return data
        if not data:
            return Rejected(source, "empty file (the gzip archive contains no data)")
    kind = binary_kind(data)
    if kind:
        return Rejected(source, f"binary file (looks like {kind}), not text")
    return data


def gunzip(data: bytes, source: str, limit: int) -> bytes | Rejected:
    """Decompress gzip data, capped at ``limit`` bytes so a gzip bomb cannot fill memory."""
    chunks, total = [], 0
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            while chunk := stream.read(1 << 20):
                total += len(chunk)
                if total > limit:
                    return over_limit(source, "file decompresses to", limit)
                chunks.append(chunk)
    except EOFError:
        return Rejected(source, "truncated gzip file: the data ends before the end of the "
                                "compressed stream")
    except (OSError, zlib.error) as exc:
        return Rejected(source, f"corrupt gzip file: {exc}")
    return b"".join(chunks)


def binary_kind(data: bytes) -> str | None:
    """Name the binary format of ``data``, or None if it may be text."""
    for magic, name in BINARY_MAGIC:
        if data.startswith(magic):
            return name
    if data[8:12] == b"WEBP" and data.startswith(b"RIFF"):
        return "WebP image"
    if data[4:8] == b"ftyp":
        return "MP4/QuickTime video"
    # UTF-16/32 text is full of NUL bytes but starts with a BOM; anything else with
    # NULs near the start is not text in any encoding we read.
    if any(data.startswith(bom) for bom, _ in BOMS):
        return None
    if b"\x00" in data[:SNIFF_BYTES]:
        return "unknown binary data, it contains NUL bytes"
    return None


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML or XML document declares about itself, if Python knows it."""
    match = DECLARED_CHARSET.search(data[:SNIFF_BYTES])
    if not match:
        return None
    return known_encoding(match.group(1).decode("ascii", "ignore"))


def known_encoding(label: str | None) -> str | None:
    """Map an encoding label to a Python codec name (WHATWG aliases applied), or None."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = WHATWG_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_text(data: bytes, declared: str | None = None, *, repair: bool = True,
                repair_c1: bool = True) -> Decoded:
    """Decode bytes with the first encoding of the cascade that fits, then repair.

    Args:
        data: the file's (decompressed) bytes.
        declared: an encoding the container declares (HTTP Content-Type, HTML meta);
            tried after UTF-8, because pages labelled latin-1 are often UTF-8.
        repair: run the mojibake repair here. The HTML path passes False and
            repairs the extracted text instead: ftfy over a whole page's markup
            took over half of the ingest time of an HTML file. Text with C1 control
            characters is repaired here all the same: they only survive in mojibake
            (the 0x9D of "”" read as Windows-1252), and HTML parsers drop them,
            destroying what ftfy needs to undo it.
        repair_c1: with ``repair=False``, still repair text that has C1 controls.
            Readers that repair every value themselves (JSON) pass False.

    Returns:
        The text (line endings ``\\n``, NFC), the encoding used, and notes.

    Example:
        >>> decode_text("Привет".encode("cp1251")).encoding  # doctest: +SKIP
        'cp1251'
    """
    text, encoding, how = _decode_cascade(data, known_encoding(declared))
    notes = [f"encoding: {encoding} ({how})"]
    if not repair and not (repair_c1 and C1_CONTROLS.search(text)):
        return Decoded(normalise_text(text), encoding, tuple(notes))
    repaired = repair_text(text)
    if repaired != normalise_text(text):
        notes.append(REPAIR_NOTE)
    return Decoded(repaired, encoding, tuple(notes))


def _decode_cascade(data: bytes, declared: str | None) -> tuple[str, str, str]:
    """(text, encoding, how it was chosen) for the first step of the cascade that works."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            text = data.decode(encoding, errors="replace")
            return text, encoding.removesuffix("-sig"), "byte order mark"
    try:
        return data.decode("utf-8"), "utf-8", "valid UTF-8"
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return data.decode(declared), declared, "declared by the document"
        except UnicodeDecodeError:
            LOGGER.debug("declared charset %s does not fit the bytes", declared)
    guess = charset_normalizer.from_bytes(data).best()
    if guess is not None and guess.encoding:
        encoding = known_encoding(guess.encoding) or guess.encoding
        return data.decode(encoding, errors="replace"), encoding, "detected by charset-normalizer"
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    return text, "utf-8", (f"no encoding fits; {bad} undecodable byte sequence(s) replaced "
                           f"with U+FFFD")


def normalise_text(text: str) -> str:
    """Line endings to ``\\n`` and Unicode NFC: the form every reader hands on."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def repair_text(text: str) -> str:
    """Undo mojibake with ftfy (encoding repairs only), then ``normalise_text``."""
    if text.isascii():  # mojibake needs non-ASCII characters; skip ftfy's per-line work
        return normalise_text(text)
    # Mojibake of UTF-8 always shows a lead byte's character followed by a continuation
    # byte's character (in one of the single-byte encodings ftfy undoes). One scan for
    # such a pair skips ftfy on the clean majority: ftfy's own per-line test was ~30%
    # of the whole ingest time on real news.
    if not (_MOJIBAKE_PAIR.search(text) or C1_CONTROLS.search(text) or _SURROGATES.search(text)):
        return normalise_text(text)
    return normalise_text(ftfy.fix_text(text, REPAIR_CONFIG))


def _mojibake_pair_pattern() -> re.Pattern[str]:
    """A regex for 'a UTF-8 lead byte, then a continuation byte', as those bytes look
    when decoded with each encoding ftfy knows how to undo."""
    leads: set[str] = set()
    continuations: set[str] = set()
    for encoding in ftfy.chardata.CHARMAP_ENCODINGS:
        leads.update(bytes(range(0xC2, 0xF5)).decode(encoding, errors="ignore"))
        continuations.update(bytes(range(0x80, 0xC0)).decode(encoding, errors="ignore"))
    def char_class(chars: set[str]) -> str:
        return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"
    return re.compile(char_class(leads) + char_class(continuations))


_MOJIBAKE_PAIR = _mojibake_pair_pattern()
_SURROGATES = re.compile("[\ud800-\udfff]")
