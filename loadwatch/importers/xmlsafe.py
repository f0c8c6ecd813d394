"""Safe XML for GPX and TCX: untrusted files are parsed without DTDs or entities.

GPX and TCX files come from anywhere (a watch, a website, an e-mail), so they
are parsed as hostile input. :func:`parse_xml` uses defusedxml's expat parser
with document type definitions forbidden: a ``<!DOCTYPE>`` is refused at its
first byte, before any entity is declared, so an entity bomb ("billion laughs")
never expands and an external entity (``SYSTEM "file:///etc/passwd"``) is
never fetched. Activity files never need a DTD.

Every failure becomes one :class:`~loadwatch.errors.ActivityFileError`
subclass with a one-line reason; the parser's own exception is kept as
``__cause__``.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError
from xml.parsers import expat

import defusedxml.ElementTree as defused_etree
from defusedxml import DefusedXmlException, DTDForbidden

from loadwatch.errors import (
    CorruptFileError,
    EmptyFileError,
    UnsafeFileError,
    UnsupportedFileError,
)

__all__ = ["check_xml_safe", "local_name", "parse_xml"]

_BLANK = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*\Z")
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

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
    if _BLANK.match(data):
        raise EmptyFileError(source, "the file is empty")
    _refuse_non_xml(data, source)
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
        raise CorruptFileError(source, _parse_error_reason(exc)) from exc


def _refuse_non_xml(data: bytes, source: str) -> None:
    """Name binary files with an XML name, and files that cannot be XML."""
    for offset, signature, reason in _NOT_XML_SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            raise UnsupportedFileError(source, reason)
    if data.startswith(_UTF16_BOMS):
        return  # UTF-16 XML: expat reads it
    head = data[:1024]
    if head.startswith(_UTF8_BOM):
        head = head[len(_UTF8_BOM) :]
    head = head.lstrip()
    if head and not head.startswith(b"<"):
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


def _parse_error_reason(exc: ParseError) -> str:
    """One line for an expat error: where it is (line, column) and what it means."""
    code = getattr(exc, "code", None)
    message = expat.errors.messages.get(code, "") if isinstance(code, int) else ""
    explained = _EXPAT_EXPLAINED.get(message, f"it is not well-formed ({message or exc})")
    position = getattr(exc, "position", None)
    where = f" at line {position[0]}, column {position[1]}" if position else ""
    return f"damaged XML{where}: {explained}"
