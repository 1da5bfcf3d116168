"""Language id on real text from ../shared/corpus, plus the certain script rules."""

from __future__ import annotations

import opencc
import pytest

from newsdesk.text.langid import chinese_script, detect_language, query_language
from tests import realtext


def test_vietnamese_news_is_vi() -> None:
    for n in range(5):
        title, body = realtext.vietnamese_article(n)
        assert detect_language(title + " " + body[0]).code == "vi"


def test_vietnamese_without_tone_marks_still_detected_by_model() -> None:
    # Stripped of every diacritic, the letter rule cannot fire; the model decides.
    import unicodedata

    _, body = realtext.vietnamese_article(1)
    text = " ".join(body[:3])
    plain = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    plain = plain.replace("đ", "d").replace("Đ", "D")
    assert detect_language(plain).code in {"vi", "und"}


def test_chinese_news_is_simplified_and_traditional_is_detected() -> None:
    stories = realtext.chinese_stories("20250301")[:4]
    to_traditional = opencc.OpenCC("s2t")
    for _title, body in stories:
        assert detect_language(body).code == "zh-Hans"
        assert detect_language(to_traditional.convert(body)).code == "zh-Hant"
    assert chinese_script("臺灣的鐵路與經濟發展") == "Hant"
    assert chinese_script("台湾的铁路与经济发展") == "Hans"


def test_thai_and_lao_by_script() -> None:
    _title, body = realtext.thai_release(3)
    assert detect_language(body).code == "th"
    for text in realtext.lao_texts(5):
        guess = detect_language(text)
        assert guess.code == "lo" and guess.method == "script"


def test_english_passages() -> None:
    for text in realtext.english_passages(5):
        assert detect_language(text).code == "en"


@pytest.mark.parametrize("text", ["", "   ", "12345 67890 !!!", "OK", "---- ==== ****"])
def test_und_when_evidence_is_thin(text: str) -> None:
    assert detect_language(text).code == "und"


def test_other_languages_are_not_forced_into_ours() -> None:
    french = "Le gouvernement a annoncé mardi un nouveau plan pour les transports publics."
    assert detect_language(french).code == "fr"


@pytest.mark.parametrize(("query", "known", "expected"), [
    ("中老命运共同体", None, "zh"),  # 7 letters: below detect_language's floor
    ("中老鐵路", None, "zh"),
    ("sầu riêng", None, "vi"),
    ("ທາງລົດໄຟ", None, "lo"),
    ("รถไฟ", None, "th"),
    ("How many tackles did Luke Kuechly register?", {"en", "vi", "zh"}, "en"),
    ("durian exports", {"en", "vi", "zh"}, "en"),  # the model alone says Basque, unsure
    ("duong sat", {"en", "vi"}, "vi"),
    ("durian exports", None, "und"),
    ("ok", {"en"}, "und"),
])
def test_query_language_reads_short_queries(query: str, known: set[str] | None,
                                            expected: str) -> None:
    assert query_language(query, known) == expected
