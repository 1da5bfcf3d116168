"""Language identification: certain script shortcuts first, a statistical model after.

Lao and Thai have scripts of their own and Han text without kana or hangul is
Chinese, so counting code points answers those with certainty and at no cost.
Vietnamese is Latin, but letters such as ơ, ư, đ and stacked tone marks almost
never occur elsewhere, so their density is a near-certain signal too. Everything
else goes to py3langid (packaged model, offline), and an unsure answer becomes
"und" rather than a guess.

Chinese also records its script: zh-Hans or zh-Hant, by counting characters
that OpenCC would change when converting in each direction.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from newsdesk.text.loaded import load_once, opencc_converter

# Thresholds below were set on the demo corpus and the 50-sentence check in
# ../shared/MODELS.md; re-check them together if either changes.
SAMPLE_CHARS = 3000  # enough letters to decide; long pages cost no more
SCRIPT_SHARE = 0.5  # share of letters in one script that makes it certain
HAN_SHARE = 0.3  # Chinese pages mix in Latin names and numbers
VIETNAMESE_SHARE = 0.04  # Vietnamese-only letters per Latin letter; English has 0
MIN_LETTERS = 12  # below this nothing is certain
MIN_CONFIDENCE = 0.6  # py3langid normalised probability below which we say "und"

_VIETNAMESE_ONLY = set(
    "ăâđêôơư"
    "ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
    "ĂÂĐÊÔƠƯ"
    "ẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ"
)


@dataclass(frozen=True)
class LanguageGuess:
    """`code` is a BCP-47-style tag: "vi", "en", "zh-Hans", "zh-Hant", "und"…"""

    code: str
    confidence: float
    method: str  # "script", "letters", "model", "too-short", "unsure"

    @property
    def base(self) -> str:
        return self.code.split("-")[0]


def _identifier() -> LanguageIdentifier:
    return load_once("py3langid",
                     lambda: LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True))


def _script_counts(text: str) -> dict[str, int]:
    counts = {"lao": 0, "thai": 0, "han": 0, "kana": 0, "hangul": 0, "latin": 0, "vi": 0,
              "letters": 0}
    for ch in text:
        cp = ord(ch)
        if 0x0E80 <= cp <= 0x0EFF:
            counts["lao"] += 1
        elif 0x0E00 <= cp <= 0x0E7F:
            counts["thai"] += 1
        elif 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF:
            counts["han"] += 1
        elif 0x3040 <= cp <= 0x30FF:
            counts["kana"] += 1
        elif 0xAC00 <= cp <= 0xD7AF or 0x1100 <= cp <= 0x11FF:
            counts["hangul"] += 1
        elif ch.isalpha() and cp < 0x2000:
            counts["latin"] += 1
            if ch in _VIETNAMESE_ONLY:
                counts["vi"] += 1
        else:
            continue
        counts["letters"] += 1
    return counts


def chinese_script(text: str) -> str:
    """"Hant" when more characters are traditional-only than simplified-only."""
    sample = "".join(ch for ch in text[:SAMPLE_CHARS] if "\u4e00" <= ch <= "\u9fff")
    if not sample:
        return "Hans"
    to_simplified = opencc_converter("t2s").convert(sample)
    to_traditional = opencc_converter("s2t").convert(sample)
    traditional_only = sum(a != b for a, b in zip(sample, to_simplified, strict=False))
    simplified_only = sum(a != b for a, b in zip(sample, to_traditional, strict=False))
    return "Hant" if traditional_only > simplified_only else "Hans"


def detect_language(text: str) -> LanguageGuess:
    """Best language tag for `text`; "und" when the evidence is too thin."""
    sample = unicodedata.normalize("NFC", text[:SAMPLE_CHARS])
    counts = _script_counts(sample)
    letters = counts["letters"]
    if letters < MIN_LETTERS:
        return LanguageGuess("und", 0.0, "too-short")
    for script, code in (("lao", "lo"), ("thai", "th")):
        if counts[script] / letters >= SCRIPT_SHARE:
            return LanguageGuess(code, counts[script] / letters, "script")
    if counts["kana"] / letters >= 0.05:
        return LanguageGuess("ja", counts["kana"] / letters, "script")
    if counts["hangul"] / letters >= SCRIPT_SHARE:
        return LanguageGuess("ko", counts["hangul"] / letters, "script")
    if counts["han"] / letters >= HAN_SHARE:
        return LanguageGuess(f"zh-{chinese_script(sample)}", counts["han"] / letters, "script")
    if counts["latin"] and counts["vi"] / counts["latin"] >= VIETNAMESE_SHARE:
        return LanguageGuess("vi", min(1.0, counts["vi"] / counts["latin"] * 5), "letters")
    lang, confidence = _identifier().classify(sample)
    if confidence < MIN_CONFIDENCE:
        return LanguageGuess("und", confidence, "unsure")
    if lang == "zh":
        return LanguageGuess(f"zh-{chinese_script(sample)}", confidence, "model")
    return LanguageGuess(lang, confidence, "model")


def query_language(text: str, known: set[str] | None = None) -> str:
    """Base language of a short search query, or "und".

    Queries are a few words, under `detect_language`'s 12-letter floor, yet their
    script usually settles it: two Han characters are Chinese, one Vietnamese-only
    letter is Vietnamese. Plain Latin words go to the model: with `known` (the
    languages documents are in) its best-ranked Latin-script one of those, so a query
    misread as French is not taken for "a language no document is in"; without, its
    answer when confident.
    """
    sample = unicodedata.normalize("NFC", text[:SAMPLE_CHARS])
    counts = _script_counts(sample)
    letters = counts["letters"]
    if not letters:
        return "und"
    for script, code in (("lao", "lo"), ("thai", "th"), ("han", "zh"), ("hangul", "ko")):
        if counts[script] / letters >= SCRIPT_SHARE:
            return code
    if counts["kana"]:
        return "ja"
    if counts["latin"] and counts["vi"]:
        return "vi"
    if letters < 3:
        return "und"
    if known is None:
        lang, confidence = _identifier().classify(sample)
        return lang if confidence >= MIN_CONFIDENCE else "und"
    # Among the languages documents are in, the model's best: a few words rarely give
    # it confidence ("durian exports" → Basque 0.05), but ranking them it does well.
    latin = known - {"zh", "th", "lo", "ja", "ko", "und"}
    for lang, _ in _identifier().rank(sample):
        if lang in latin:
            return lang
    return "und"
