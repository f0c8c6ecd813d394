"""Safe XML for GPX and TCX: untrusted files are parsed without DTDs or entities.

GPX and TCX files come from anywhere (a watch, a website, an e-mail), so they
are parsed as hostile input. :func:`parse_xml` uses defusedxml's expat parser
with document type definitions forbidden: a ``<!DOCTYPE>`` is refused at its
first byte, before any entity is declared, so an entity bomb ("billion laughs")
never expands and an external entity (``SYSTEM "file:///etc/passwd"``) is
never fetched. Activity files never need a DTD.

Any encoding XML allows is read: :func:`to_utf8` detects it as the XML
specification's appendix F does (byte-order mark, then the first bytes, then
the declaration) and gives UTF-8 bytes, so that the safety checks and every
parser see the same text whether the file is UTF-8, UTF-16, UTF-32 or e.g.
ISO-8859-1. :func:`root_element_name` names the document's root element from
the first bytes alone, for recognising a file by its content.

Every failure becomes one :class:`~loadwatch.errors.ActivityFileError`
subclass with a one-line reason; the parser's own exception is kept as
``__cause__``.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element, ParseError
from xml.parsers import expat

from loadwatch.errors import CorruptFileError, EmptyFileError, UnsafeFileError, UnsupportedFileError

if TYPE_CHECKING:
    from defusedxml import DTDForbidden

__all__ = [
    "check_xml_safe",
    "decode_head",
    "expat_parser",
    "local_name",
    "parse_xml",
    "prepare_xml",
    "root_element_name",
    "to_utf8",
    "xml_error_reason",
]

_BLANK = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*\Z")

#: Byte-order marks and the first bytes of ``<?xml`` (XML 1.0, appendix F),
#: longest first: the codec, and how many bytes the mark takes.
_ENCODING_SIGNATURES: tuple[tuple[bytes, str, int], ...] = (
    (b"\x00\x00\xfe\xff", "utf-32-be", 4),
    (b"\xff\xfe\x00\x00", "utf-32-le", 4),
    (b"\xfe\xff", "utf-16-be", 2),
    (b"\xff\xfe", "utf-16-le", 2),
    (b"\xef\xbb\xbf", "utf-8", 3),
    (b"\x00\x00\x00<", "utf-32-be", 0),
    (b"<\x00\x00\x00", "utf-32-le", 0),
    (b"\x00<\x00?", "utf-16-be", 0),
    (b"<\x00?\x00", "utf-16-le", 0),
)
#: The encoding named in an XML declaration (which is ASCII in every encoding).
_DECLARED_ENCODING = re.compile(
    r"""\A\s*<\?xml\b[^>]*?\bencoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\1"""
)
#: The parts of a prolog that come before the root element, then the root's name.
_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
_DOCTYPE_NAME = re.compile(r"<!DOCTYPE\s+([^\s\[>]+)")
_START_TAG_NAME = re.compile(r"<([^\s/>!?]+)")
#: How much of a file is decoded to find its root element [bytes].
_HEAD_BYTES = 64 * 1024

#: Plain words for the expat errors that damaged activity files produce.
_EXPAT_EXPLAINED: dict[str, str] = {
    expat.errors.XML_ERROR_NO_ELEMENTS: "the file ends before the XML is complete (cut short?)",
    expat.errors.XML_ERROR_UNCLOSED_TOKEN: "the file ends inside a tag (cut short?)",
    expat.errors.XML_ERROR_PARTIAL_CHAR: "the file ends inside a character (cut short?)",
    expat.errors.XML_ERROR_TAG_MISMATCH: "a closing tag does not match its opening tag",
    expat.errors.XML_ERROR_UNBOUND_PREFIX: "an XML prefix is used but never declared",
    expat.errors.XML_ERROR_INVALID_TOKEN: "a character or tag is not valid XML",
    expat.errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT: "there is data after the end of the document",
    expat.errors.XML_ERROR_UNDEFINED_ENTITY: "it uses an undefined '&...;' entity",
    expat.errors.XML_ERROR_INCORRECT_ENCODING: "its text encoding is not the one it declares",
    expat.errors.XML_ERROR_UNKNOWN_ENCODING: "it declares a text encoding that is not known",
}

#: Binary formats that are sometimes given an XML file name, by their first bytes.
_NOT_XML_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (8, b".FIT", "this is a FIT file, not XML: give it a .fit name"),
    (0, b"\x1f\x8b", "this is a gzip-compressed file: give it a .gz ending"),
    (0, b"PK\x03\x04", "this is a zip archive, not an XML file"),
)


def local_name(tag: object) -> str:
    """The element name without its ``{namespace}`` (``""`` for comments)."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def _detect_encoding(data: bytes) -> tuple[str, int]:
    """The codec of XML bytes from their first bytes, and the byte-order mark's length."""
    for signature, codec, mark in _ENCODING_SIGNATURES:
        if data.startswith(signature):
            return codec, mark
    return "utf-8", 0


def _declared_encoding(text: str) -> str | None:
    found = _DECLARED_ENCODING.match(text)
    return found.group(2) if found else None


def _codec(name: str) -> str | None:
    """Python's name for a text encoding, or None when it is not one."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    return info.name if info._is_text_encoding else None  # zlib, rot13: not text


def decode_head(data: bytes, n_bytes: int = _HEAD_BYTES) -> str:
    """The first ``n_bytes`` of XML bytes as text, in the encoding the file uses.

    A character cut at the end and bytes that are not valid in the encoding are
    dropped: the text is for recognising the file, not for reading it.
    """
    codec, mark = _detect_encoding(data)
    head = data[mark : mark + n_bytes]
    if codec == "utf-8":
        declared = _codec(_declared_encoding(head[:256].decode("latin-1")) or "utf-8")
        if declared and not declared.startswith(("utf-16", "utf-32")):
            codec = declared
    return head.decode(codec, errors="ignore").lstrip("\ufeff")


def root_element_name(data: bytes) -> str | None:
    """The local name of an XML document's root element, from its first bytes.

    The byte-order mark, XML declaration, comments, processing instructions
    and white space before the root are passed over; a ``<!DOCTYPE name>``
    names the root too. Nothing is parsed beyond the first start tag, and no
    DTD or entity is read.

    Returns
    -------
    str or None
        ``"gpx"`` for ``<gpx>`` and ``<ns2:gpx>``; None when the first
        64 KiB hold no start tag (not XML, or damaged).
    """
    text = decode_head(data)
    position = 0
    while True:
        item = _PROLOG_ITEM.match(text, position)
        if item is None or item.end() == position:
            break
        position = item.end()
    found = _DOCTYPE_NAME.match(text, position) or _START_TAG_NAME.match(text, position)
    if found is None:
        return None
    return found.group(1).rpartition(":")[2] or None


def to_utf8(data: bytes, source: str) -> bytes:
    """XML bytes in any encoding XML allows, as UTF-8 with a matching declaration.

    UTF-8 (and ASCII) files are returned as they are, without a copy. Others
    are decoded with the encoding of their byte-order mark, first bytes or
    declaration, and the declaration is rewritten to say UTF-8.

    Raises
    ------
    CorruptFileError
        The encoding is not known, the text is not valid in it, or a
        byte-order mark contradicts the declaration.
    """
    codec, mark = _detect_encoding(data)
    declared_name = _declared_encoding(decode_head(data, 512))
    declared = _codec(declared_name) if declared_name else None
    if declared_name and declared is None:
        raise CorruptFileError(
            source, f"damaged XML: it declares a text encoding that is not known ({declared_name})"
        )
    if codec == "utf-8":
        if declared is None or declared == "utf-8" or declared == "ascii":
            return data
        # A file that says UTF-16 but whose bytes are 8-bit: read what is there.
        codec = "utf-8" if declared.startswith(("utf-16", "utf-32")) else declared
    elif declared is not None and not declared.startswith(codec[:6]):
        raise CorruptFileError(source, "damaged XML: its text encoding is not the one it declares")
    try:
        text = data[mark:].decode(codec)
    except UnicodeDecodeError as exc:
        raise CorruptFileError(
            source,
            f"damaged XML: its text is not valid {declared_name or codec} "
            f"at byte {exc.start + mark}",
        ) from exc
    if declared_name:
        found = _DECLARED_ENCODING.match(text)
        if found:
            text = text[: found.start(2)] + "UTF-8" + text[found.end(2) :]
    return text.encode("utf-8")


def expat_parser(refuse: Callable[..., int]) -> expat.XMLParserType:
    """A namespace-aware expat parser for the streaming readers, with DTDs refused.

    Names come as ``namespace}local``; text arrives in pieces of up to 64 KiB.
    ``refuse`` is called (and must raise) at the first byte of a document type
    declaration, an entity declaration or an external entity reference, so
    nothing is ever declared, expanded or fetched. The caller sets the element
    handlers.
    """
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    return parser


def check_xml_safe(data: bytes, source: str) -> None:
    """Refuse XML that is unsafe to read, empty or not well-formed.

    Parameters
    ----------
    data
        The file's bytes (already decompressed).
    source
        The file as the user would name it, for the error.

    Raises
    ------
    EmptyFileError
        No bytes, or only white space.
    UnsafeFileError
        A ``<!DOCTYPE>``, entity declaration or external entity.
    UnsupportedFileError
        A web page (HTML) or a known binary format with an XML name.
    CorruptFileError
        Not well-formed XML; the reason names the line and column.
    """
    parse_xml(data, source)


def parse_xml(data: bytes, source: str) -> Element:
    """Parse untrusted XML bytes safely and return the root element.

    Parameters
    ----------
    data
        The file's bytes (already decompressed). The encoding comes from the
        XML declaration or byte-order mark, as XML prescribes.
    source
        The file as the user would name it, for the error.

    Returns
    -------
    xml.etree.ElementTree.Element
        The document's root, with names in Clark notation (``{namespace}name``).

    Raises
    ------
    EmptyFileError, UnsafeFileError, UnsupportedFileError, CorruptFileError
        As in :func:`check_xml_safe`.
    """
    # defusedxml is imported here, not at the top: the streaming GPX readers and the
    # warm runs (everything from the cache) use this module without building a tree.
    import defusedxml.ElementTree as defused_etree
    from defusedxml import DefusedXmlException, DTDForbidden

    data = prepare_xml(data, source)
    try:
        return defused_etree.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DTDForbidden as exc:
        raise _doctype_error(data, source, exc) from exc
    except DefusedXmlException as exc:  # entities or external references
        raise UnsafeFileError(
            source,
            "refused for safety: the file declares XML entities, which can expand "
            "to gigabytes or read other files on this computer",
        ) from exc
    except ParseError as exc:
        raise CorruptFileError(source, xml_error_reason(exc)) from exc


def prepare_xml(data: bytes, source: str) -> bytes:
    """The checks before any XML parser runs, and the bytes in UTF-8 (:func:`to_utf8`).

    Raises
    ------
    EmptyFileError, UnsupportedFileError, CorruptFileError
        Empty, a binary format or web page by its first bytes, not XML, or an
        encoding that cannot be read.
    """
    if _BLANK.match(data):
        raise EmptyFileError(source, "the file is empty")
    _refuse_non_xml(data, source)
    data = to_utf8(data, source)
    if _BLANK.match(data):
        raise EmptyFileError(source, "the file is empty")
    return data


def _refuse_non_xml(data: bytes, source: str) -> None:
    """Name binary files with an XML name, and files that cannot be XML."""
    for offset, signature, reason in _NOT_XML_SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            raise UnsupportedFileError(source, reason)
    head = decode_head(data, 1024).lstrip()
    if head and not head.startswith("<"):
        raise CorruptFileError(
            source, "this is not XML: the file does not start with '<' (damaged or misnamed?)"
        )


def _doctype_error(data: bytes, source: str, exc: DTDForbidden) -> Exception:
    """The error for a document with a ``<!DOCTYPE>``: a web page, or unsafe XML."""
    declares_entities = b"<!ENTITY" in data
    if (exc.name or "").lower() == "html" and not declares_entities:
        return UnsupportedFileError(source, "this is a web page (HTML), not an activity file")
    if declares_entities:
        return UnsafeFileError(
            source,
            "refused for safety: the file declares XML entities, which can expand "
            "to gigabytes or read other files on this computer",
        )
    return UnsafeFileError(
        source,
        "refused for safety: the file has a <!DOCTYPE> declaration, which "
        "activity files never need",
    )


def xml_error_reason(exc: ParseError | expat.ExpatError) -> str:
    """One line for an expat error: where it is (line, column) and what it means."""
    code = getattr(exc, "code", None)
    message = expat.errors.messages.get(code, "") if isinstance(code, int) else ""
    explained = _EXPAT_EXPLAINED.get(message, f"it is not well-formed ({message or exc})")
    position = getattr(exc, "position", None)
    if position is None and isinstance(exc, expat.ExpatError):
        position = (exc.lineno, exc.offset)
    where = f" at line {position[0]}, column {position[1]}" if position else ""
    return f"damaged XML{where}: {explained}"
