"""Turn page bytes into text, whatever the page claims about itself.

Regional news sites declare charsets wrongly all the time: GBK pages labelled
gb2312 (a subset), UTF-8 pages labelled iso-8859-1 by a CMS default, Windows-1258
pages with no label at all. The rules, in order:

1. a byte-order mark wins;
2. bytes that are valid UTF-8 and not plain ASCII are UTF-8 (no legacy text of
   any length is valid UTF-8 by accident);
3. otherwise every plausible legacy codec that decodes the bytes strictly is
   scored for readability (control characters, stray Latin-1 symbols, invalid
   Vietnamese syllables, rare Han characters), and the declared charset is
   kept unless another codec reads clearly better.

The output is NFC, so Vietnamese written with combining tone marks (as
Windows-1258 requires) compares equal to precomposed text.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

from newsdesk.errors import DecodeError
from newsdesk.extract import viscii

viscii.register()

# Labels browsers and CMSs use, mapped to the codec that reads every page so
# labelled (the WHATWG encoding standard's supersets: gb2312 -> gb18030, etc.).
_SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
    "cp936": "gb18030", "euc-cn": "gb18030", "gb18030": "gb18030", "hz-gb-2312": "hz",
    "big5": "cp950", "big5-hkscs": "big5hkscs", "x-x-big5": "cp950", "cp950": "cp950",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252",
    "windows-1252": "cp1252", "tis-620": "cp874", "iso-8859-11": "cp874",
    "windows-874": "cp874", "windows-1258": "cp1258", "cp1258": "cp1258",
    "viscii": "viscii", "utf8": "utf-8", "utf-8": "utf-8", "shift_jis": "cp932",
    "sjis": "cp932", "euc-kr": "cp949", "ks_c_5601-1987": "cp949",
}
# Legacy codecs tried when the declared one reads badly or none is declared.
CANDIDATES = ("gb18030", "cp950", "cp1258", "viscii", "cp874", "cp932", "cp949",
              "cp1251", "cp1252")
# A declared codec is kept unless another reads this much better (0..1 scale);
# set on the demo corpus' wrongly-labelled pages and tests/test_encoding.py.
DECLARED_MARGIN = 0.05
SAMPLE_BYTES = 65536

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_:.\-]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_BINARY_MAGIC = ((b"\x89PNG", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"),
                 (b"%PDF", "PDF document"), (b"PK\x03\x04", "ZIP archive"),
                 (b"\x1f\x8b", "gzip data"), (b"\x7fELF", "executable"),
                 (b"RIFF", "RIFF media"), (b"\x00\x00\x00", "binary data"))
_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_LETTER_MARKS = {"\u0302", "\u0306", "\u031b", "\u0308", "\u0327", "\u0304", "\u030c",
                 "\u030a"}
_LATIN1_SYMBOLS = set("¤¦§¨©ª«¬®¯°±²³´µ¶·¸¹º»¼½¾¿×÷¢£¥\x7f")
# The most frequent Han characters of modern news text, simplified and traditional.
# Garbage from decoding GBK as Big5 (or the reverse) is mostly rare characters.
_COMMON_HAN = set(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"
    "也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小"
    "物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形"
    "相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建"
    "月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长"
    "求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战"
    "先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受"
    "联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议"
    "声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且"
    "究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支"
    "般史感劳便团往历市克何除消构府称太准精值号率族维划选标写存候亲快效斯院查江型眼王按格"
    "养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严记者月日电网站"
    "們這個來時會對說為後經過動當從點還發現與關應開際實間樣資邊級圖統組見計別論運農區強決"
    "戰則據處隊給門規熱領導壓爭濟階極聯認權證單風帶場車務積議聲報鬥類離華確張馬節話許廣記"
    "須連斷難礦圍專狀廠識屬滿縣參紅細聽該鐵價嚴臺灣總統國際經濟讀遠歲麼覺們鄉"
)


@dataclass(frozen=True)
class Decoded:
    """Decoded text plus what we believed about its bytes, for the record."""

    text: str
    encoding: str
    declared: str | None
    method: str  # "bom", "utf-8", "declared", "detected"


def declared_charset(data: bytes, header: str | None = None) -> str | None:
    """The charset named by the HTTP header, a <meta> tag or an XML prolog."""
    if header:
        match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_:.\-]+)", header, re.I)
        if match:
            return match.group(1).lower()
    head = data[:4096]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return match.group(1).decode("ascii").lower() if match else None


def codec_for(label: str | None) -> str | None:
    """The Python codec that reads pages labelled `label`, or None if unknown."""
    if not label:
        return None
    label = label.strip().lower()
    if label in _SUPERSETS:
        return _SUPERSETS[label]
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _word_plausible(word: str) -> bool:
    """A Latin word is plausible if every accent sits on a letter, at most one tone."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = sum(ch in _TONE_MARKS for ch in decomposed)
    marks = sum(ch in _LETTER_MARKS for ch in decomposed)
    if tones > 1 or marks > 2:
        return False
    return all(
        ("a" <= ch.lower() <= "z") or ch in "đĐ" or ch in _TONE_MARKS or ch in _LETTER_MARKS
        for ch in decomposed
    )


def readability(text: str) -> float:
    """0..1: how much `text` looks like text a person wrote rather than mojibake."""
    sample = unicodedata.normalize("NFC", text[:20000])
    if not sample:
        return 0.0
    bad = 0
    han = common_han = 0
    for ch in sample:
        cat = unicodedata.category(ch)
        control = cat in ("Cc", "Co", "Cn") and ch not in "\n\r\t"
        if control or ch == "\ufffd" or ch in _LATIN1_SYMBOLS:
            bad += 1
        elif "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf":
            han += 1
            common_han += ch in _COMMON_HAN
    score = 1.0 - min(1.0, 8.0 * bad / len(sample))
    if han >= 20:
        # Real Chinese prose: roughly half its characters are among the commonest.
        score *= min(1.0, (common_han / han) / 0.35)
    words = [w for w in re.findall(r"[^\W\d_]+", sample) if not w.isascii()]
    if words:
        # "Cвтp nhвтt": Vietnamese bytes read as Cyrillic mix scripts inside words.
        mixed = sum(1 for w in words if len({_script(c) for c in w} - {"other"}) > 1)
        score *= max(0.0, 1.0 - 2.0 * mixed / len(words))
    latin_words = [w for w in words if all(_is_latin(c) for c in w)]
    if len(latin_words) >= 5:
        score *= sum(map(_word_plausible, latin_words)) / len(latin_words)
    return score


def _script(ch: str) -> str:
    cp = ord(ch)
    if cp < 0x0250 or 0x1E00 <= cp <= 0x1EFF:
        return "latin"
    if 0x0370 <= cp <= 0x03FF:
        return "greek"
    if 0x0400 <= cp <= 0x052F:
        return "cyrillic"
    if 0x0590 <= cp <= 0x06FF:
        return "rtl"
    return "other"


def _is_latin(ch: str) -> bool:
    return ord(ch) < 0x0250 or 0x1E00 <= ord(ch) <= 0x1EFF


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_bytes(data: bytes, header: str | None = None, where: str = "input") -> Decoded:
    """Decode `data` (a page or text file); raise DecodeError if nothing reads."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return Decoded(_nfc(data.decode(codec, errors="replace")), codec, None, "bom")
    head = data[:8192]
    for magic, kind in _BINARY_MAGIC:
        if head.startswith(magic):
            raise DecodeError(where, f"binary file ({kind}), not text or HTML")
    if b"\x00" in head:
        # No text encoding we read uses NUL; UTF-16 without a BOM is not supported.
        raise DecodeError(where, "binary file (contains NUL bytes), not text or HTML")
    declared = declared_charset(data, header)
    declared_codec = codec_for(declared)
    text = _strict(data, "utf-8")
    if text is not None:
        method = "declared" if declared_codec == "utf-8" else "utf-8"
        return Decoded(_nfc(text), "utf-8", declared, method)

    sample = data[:SAMPLE_BYTES]
    scored: list[tuple[float, str]] = []
    order = ([declared_codec] if declared_codec else []) + [
        c for c in CANDIDATES if c != declared_codec
    ]
    for codec in order:
        # A sample may cut a multibyte character in half: retry without the tail.
        decoded = _strict(sample, codec) or _strict(sample[:-4], codec) or _strict(
            sample[:-1], codec
        )
        if decoded is not None:
            scored.append((readability(decoded), codec))
    if not scored:
        raise DecodeError(where, "bytes are not valid in any supported encoding")
    best_score, best_codec = max(scored, key=lambda item: item[0])
    chosen, method = best_codec, "detected"
    if declared_codec:
        declared_score = next((s for s, c in scored if c == declared_codec), None)
        if declared_score is not None and declared_score >= best_score - DECLARED_MARGIN:
            chosen, method = declared_codec, "declared"
    return Decoded(_nfc(data.decode(chosen, errors="replace")), chosen, declared, method)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
