"""Decoding real Chinese, Vietnamese and Thai text in legacy encodings.

The texts come from ../shared/corpus (CCTV transcripts, vietnews, Thai government
releases); each test encodes them the way old sites did and checks we read the
exact original back, with and without a declared charset, and with a wrong one.
"""

from __future__ import annotations

import unicodedata

import opencc
import pytest

from newsdesk.errors import DecodeError
from newsdesk.extract.encoding import codec_for, declared_charset, decode_bytes
from tests import realtext

TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Encode as real Windows-1258 pages do: base letters precomposed, tones combining."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
        tone = "".join(c for c in parts if c in TONES)
        out += (base + tone).encode("cp1258")
    return bytes(out)


def encodable(text: str, codec: str) -> str:
    """Keep only what `codec` can encode: a page in that codec could hold no more."""
    return "".join(ch for ch in text if _encodes(ch, codec))


def _encodes(ch: str, codec: str) -> bool:
    try:
        ch.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def page(body: str, meta: str = "") -> str:
    return f"<html><head>{meta}<title>t</title></head><body><p>{body}</p></body></html>"


@pytest.fixture(scope="module")
def chinese() -> str:
    stories = realtext.chinese_stories("20250110")
    # CCTV transcripts use 〇 in years, which Big5 cannot encode; the page would
    # carry a character reference, which is not what this test is about.
    return "\n".join(body for _, body in stories[:3]).replace("〇", "零")


@pytest.fixture(scope="module")
def vietnamese() -> str:
    title, body = realtext.vietnamese_article(7)
    return "\n".join([title, *body[:6]])


def test_gbk_with_and_without_declaration(chinese: str) -> None:
    raw = chinese.encode("gbk")
    assert decode_bytes(raw).text == chinese
    declared = decode_bytes(page(chinese, '<meta charset="gb2312">').encode("gbk"))
    assert chinese in declared.text
    assert declared.encoding == "gb18030" and declared.method == "declared"


def test_gb18030_only_characters(chinese: str) -> None:
    # Characters outside GBK (CJK Extension B) exist only in GB18030.
    text = chinese + " 𠀀𠀁"
    assert decode_bytes(text.encode("gb18030")).text == text


def test_big5_traditional(chinese: str) -> None:
    traditional = encodable(opencc.OpenCC("s2t").convert(chinese), "cp950")
    result = decode_bytes(traditional.encode("cp950"))
    assert result.text == traditional and result.encoding == "cp950"


def test_wrong_declared_charset_is_overruled(chinese: str) -> None:
    # GBK bytes labelled Big5, and Big5 bytes labelled GBK.
    traditional = encodable(opencc.OpenCC("s2t").convert(chinese), "cp950")
    mislabelled = decode_bytes(page(chinese, '<meta charset="big5">').encode("gbk"))
    assert chinese in mislabelled.text and mislabelled.method == "detected"
    mislabelled = decode_bytes(page(traditional, '<meta charset="gbk">').encode("cp950"))
    assert traditional in mislabelled.text
    # UTF-8 bytes labelled ISO-8859-1 (a common CMS default).
    utf8 = decode_bytes(page(chinese, '<meta charset="iso-8859-1">').encode("utf-8"))
    assert chinese in utf8.text and utf8.encoding == "utf-8"


def test_windows_1258_vietnamese_is_nfc(vietnamese: str) -> None:
    raw = to_cp1258(vietnamese)
    assert raw != vietnamese.encode("utf-8")
    assert b"\xcc" in raw or b"\xec" in raw or b"\xf2" in raw  # combining tone bytes
    for data in (raw, page_bytes_cp1258(vietnamese)):
        result = decode_bytes(data)
        assert result.encoding == "cp1258"
        assert unicodedata.normalize("NFC", vietnamese) in result.text
        assert unicodedata.is_normalized("NFC", result.text)


def page_bytes_cp1258(text: str) -> bytes:
    return to_cp1258(page(text, '<meta http-equiv="Content-Type" '
                                'content="text/html; charset=windows-1258">'))


def test_windows_1258_mislabelled_as_latin1(vietnamese: str) -> None:
    data = to_cp1258(page(vietnamese, '<meta charset="iso-8859-1">'))
    assert unicodedata.normalize("NFC", vietnamese) in decode_bytes(data).text


def test_viscii(vietnamese: str) -> None:
    result = decode_bytes(vietnamese.encode("viscii"))
    assert result.encoding == "viscii" and result.text == unicodedata.normalize("NFC", vietnamese)


def test_nfd_utf8_vietnamese_becomes_nfc(vietnamese: str) -> None:
    nfd = unicodedata.normalize("NFD", vietnamese)
    assert decode_bytes(nfd.encode("utf-8")).text == unicodedata.normalize("NFC", vietnamese)


def test_tis620_thai() -> None:
    _, body = realtext.thai_release(5)
    body = encodable(body, "tis-620")
    result = decode_bytes(body.encode("tis-620"))
    assert result.text == body and result.encoding == "cp874"


def test_binary_is_refused_with_reason() -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    with pytest.raises(DecodeError, match="binary file \\(PNG image\\)"):
        decode_bytes(png, where="photo.html")
    with pytest.raises(DecodeError, match="NUL"):
        decode_bytes(b"<html>" + bytes(range(256)) * 40, where="blob.html")


def test_charset_labels() -> None:
    assert declared_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=GB2312">'
                            ) == "gb2312"
    assert declared_charset(b"<?xml version='1.0' encoding='big5'?><rss/>") == "big5"
    assert declared_charset(b"<html>", header="text/html; charset=UTF-8") == "utf-8"
    assert codec_for("gbk") == "gb18030" and codec_for("windows-874") == "cp874"
    assert codec_for("no-such-charset") is None
