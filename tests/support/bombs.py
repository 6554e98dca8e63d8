"""Hostile uploads, built the way an attacker builds them: an image whose
header claims 8940×8940 pixels, and .xlsx files (from the offered template)
that claim row 10¹², hold a huge inline string, or declare entities that
expand (billion laughs). Shared by the tests and bench/uploads.py."""
import functools
import io
import struct
import zipfile
import zlib

from services.declarations import ledger_import

SHEET_PART = "xl/worksheets/sheet1.xml"


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


@functools.lru_cache(maxsize=None)
def png_bomb(width=8940, height=8940, complete=False, color_type=6):
    """A PNG whose header claims width×height RGBA pixels. `complete`: with
    every row in its IDAT (all zero: ~320 MB of pixels in a few hundred KB,
    the decompression bomb itself); otherwise only the first rows (what a
    check of the header must be enough to refuse)."""
    channels = {0: 1, 2: 3, 6: 4}[color_type]
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + width * channels)
    rows = height if complete else 4
    idat = b"".join(compressor.compress(row) for _ in range(rows)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def _rewrite_sheet(edit):
    """The offered ledger template with its worksheet XML changed by `edit`."""
    source = zipfile.ZipFile(io.BytesIO(ledger_import.template()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == SHEET_PART:
                data = edit(data)
            target.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


@functools.lru_cache(maxsize=None)
def xlsx_far_row(row=10**12):
    """The template plus one empty row numbered `row`: a reader that fills
    the gap with blank rows walks 10¹² of them."""
    return _rewrite_sheet(lambda xml: xml.replace(b"</sheetData>", f'<row r="{row}"/></sheetData>'.encode()))


@functools.lru_cache(maxsize=None)
def xlsx_huge_inline_string(megabytes=33):
    """The template with a data row whose cell holds an inline string of
    `megabytes` MB (deflated to a few hundred KB)."""
    text = b"a" * (megabytes * 1024 * 1024)
    cell = b'<row r="3"><c r="C3" t="inlineStr"><is><t>' + text + b"</t></is></c></row>"
    return _rewrite_sheet(lambda xml: xml.replace(b"</sheetData>", cell + b"</sheetData>"))


@functools.lru_cache(maxsize=None)
def xlsx_entity_expansion(levels=9):
    """The template whose worksheet declares nested entities (billion
    laughs: 10^levels copies) and uses the last in a cell."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, levels + 1)
    ]
    doctype = ("<!DOCTYPE worksheet [" + "".join(entities) + "]>").encode()

    def edit(xml):
        if xml.startswith(b"<?xml"):
            declaration, _, xml = xml.partition(b"?>")
            doctype_at = declaration + b"?>" + doctype
        else:
            doctype_at = doctype
        use = f'<row r="3"><c r="C3" t="inlineStr"><is><t>&lol{levels};</t></is></c></row></sheetData>'
        return doctype_at + xml.replace(b"</sheetData>", use.encode())

    return _rewrite_sheet(edit)
