"""Search analysis chains on real text from ../shared/corpus and on short sentences of ours.

The property every test comes back to: `original[start:end]` is the surface form
of the token in the text the caller passed, whatever the char filters did.
"""

from __future__ import annotations

import random
import unicodedata

import opencc
import pytest
import snowballstemmer

from newsdesk.text import segment_th, segment_vi, segment_zh
from newsdesk.text.analysis import (
    Token,
    align_pieces,
    analyze,
    analyze_query,
    compose_char_filters,
    drop_invisible,
    fullwidth_to_ascii,
    nfc,
    regex_words,
    warm_up,
)
from tests import realtext

_S2T = opencc.OpenCC("s2t")
_T2S = opencc.OpenCC("t2s")


def words(tokens: list[Token], kind: str = "word") -> list[str]:
    return [t.text for t in tokens if t.kind == kind and not t.folded]


def vi_term(surface: str) -> str:
    """What the Vietnamese chain should index for a surface form (before folding)."""
    term = "_".join(unicodedata.normalize("NFC", surface).casefold().split())
    return segment_vi.canonical_tone_placement([Token(term, 0, 0, 0)])[0].text


def assert_covers_letters(text: str, tokens: list[Token]) -> None:
    """No letter or digit of the text is left out of every token (nothing silently lost)."""
    covered = [False] * len(text)
    for t in tokens:
        covered[t.start : t.end] = [True] * (t.end - t.start)
    lost = [ch for ch, c in zip(text, covered, strict=True) if ch.isalnum() and not c]
    assert not lost, f"letters not in any token: {''.join(lost)[:80]!r}"


# --- char filters, each alone ---------------------------------------------------------------


def test_nfc_maps_each_composed_character_to_its_decomposed_span() -> None:
    text = "Vie\u0302\u0323t Nam"  # "Việt" as e + circumflex + dot below
    mapped = nfc(text)
    assert mapped.text == "Việt Nam"
    assert mapped.starts is not None and mapped.ends is not None
    i = mapped.text.index("ệ")
    assert text[mapped.starts[i] : mapped.ends[i]] == "e\u0302\u0323"
    assert nfc("already composed").starts is None  # the common case costs no map


def test_nfc_by_clusters_equals_nfc_of_the_whole_text() -> None:
    rng = random.Random(5)
    alphabet = ["a", "e", "o", "u", "y", "d", " ", "\u0300", "\u0301", "\u0302", "\u0303",
                "\u0306", "\u0309", "\u031b", "\u0323", "\u1100", "\u1161", "\u11a8",
                "\u212b", "\u0b47", "\u0b3e", "中"]
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        mapped = nfc(text)
        assert mapped.text == unicodedata.normalize("NFC", text)
        if mapped.starts is not None and mapped.ends is not None:
            assert all(0 <= s < e <= len(text) for s, e in zip(mapped.starts, mapped.ends,
                                                                 strict=True))
            assert mapped.starts == sorted(mapped.starts)


def test_invisible_characters_are_dropped_with_offsets_kept() -> None:
    text = "Hà\u200bNội\u00ad"
    mapped = drop_invisible(text)
    assert mapped.text == "HàNội"
    assert mapped.starts == [0, 1, 3, 4, 5]


def test_fullwidth_ascii_forms_fold_but_cjk_punctuation_stays() -> None:
    assert fullwidth_to_ascii("ＧＤＰ２０２５（ａ）").text == "GDP2025(a)"
    assert fullwidth_to_ascii("你好。「新闻」、ｶﾀｶﾅ").text == "你好。「新闻」、ｶﾀｶﾅ"


def test_char_filters_compose_offsets_back_to_the_original() -> None:
    text = "\u200bTha\u0301i\u200b ＯＫ"
    mapped = compose_char_filters((drop_invisible, nfc, fullwidth_to_ascii), text)
    assert mapped.text == "Thái OK"
    assert mapped.starts is not None and mapped.ends is not None
    i = mapped.text.index("á")
    assert text[mapped.starts[i] : mapped.ends[i]] == "a\u0301"
    for token in regex_words(mapped.text):
        original = text[mapped.starts[token.start] : mapped.ends[token.end - 1]]
        assert unicodedata.normalize("NFKC", original) == token.text


def test_align_pieces_survives_dropped_and_altered_pieces() -> None:
    # laonlp drops "/"; a segmenter that rewrites a piece must not shift the rest.
    assert align_pieces("a/b c", ["a", "b", " ", "c"]) == [(0, 1), (2, 3), (3, 4), (4, 5)]
    assert align_pieces("hoà bình", ["hòa", "bình"]) == [None, (4, 8)]


# --- Chinese --------------------------------------------------------------------------------


def test_t2s_is_one_for_one_on_real_news_converted_to_traditional() -> None:
    for _title, body in realtext.chinese_stories("20250101")[:10]:
        traditional = _S2T.convert(body)
        mapped = segment_zh.traditional_to_simplified(traditional)
        assert mapped.starts is None and len(mapped.text) == len(traditional)


def test_t2s_falls_back_per_character_when_a_dictionary_changes_length(
        monkeypatch: pytest.MonkeyPatch) -> None:
    class Stretching:
        def convert(self, text: str) -> str:
            return text.replace("臺灣", "台湾省") if len(text) > 1 else _T2S.convert(text)

    monkeypatch.setattr(segment_zh, "_t2s", lambda: Stretching())
    mapped = segment_zh.traditional_to_simplified("臺灣鐵路")
    assert mapped.text == "台湾铁路"


def test_chinese_offsets_on_real_simplified_and_traditional_text() -> None:
    for _title, body in realtext.chinese_stories("20250101")[:3]:
        simplified = analyze(body, "zh-Hans")
        traditional_text = _S2T.convert(body)
        traditional = analyze(traditional_text, "zh-Hant")
        assert [t.text for t in simplified] == [t.text for t in traditional]
        for t in simplified:
            assert body[t.start : t.end].casefold() == t.text
        converted = _T2S.convert(traditional_text)  # t2s looks at phrases, so convert whole
        for t in traditional:
            assert converted[t.start : t.end].casefold() == t.text
            assert traditional_text[t.start : t.end] == _S2T.convert(body)[t.start : t.end]
        assert_covers_letters(body, simplified)


def test_chinese_words_and_single_characters() -> None:
    text = "中华人民共和国成立了，我来到北京清华大学。"
    tokens = analyze(text, "zh")
    assert words(tokens) == ["中华人民共和国", "成立", "了", "我", "来到", "北京", "清华大学"]
    chars = [t for t in tokens if t.kind == "char"]
    assert "".join(t.text for t in chars if t.position == 0) == "中华人民共和国"
    assert all(text[t.start : t.end] == t.text for t in tokens)
    # jieba search-mode sub-words are available, at the position of their word
    search = segment_zh.chain(search=True, chars=False).analyze(text)
    assert {t.text for t in search if t.kind == "part" and t.position == 0} >= {"中华", "共和国"}


def test_traditional_and_simplified_queries_meet() -> None:
    assert [t.text for t in analyze_query("臺灣鐵路", "zh-Hant")] == \
        [t.text for t in analyze_query("台湾铁路", "zh-Hans")]


def test_fullwidth_letters_and_digits_in_chinese_text() -> None:
    text = "ＧＤＰ增长５．２％，Ｃｈｉｎａ"
    tokens = analyze(text, "zh-Hans")
    assert [t.text for t in tokens if t.kind == "word"] == ["gdp", "增长", "5.2", "china"]
    assert [text[t.start : t.end] for t in tokens if t.kind == "word"] == \
        ["ＧＤＰ", "增长", "５．２", "Ｃｈｉｎａ"]


# --- Vietnamese -----------------------------------------------------------------------------


def test_vietnamese_real_text_nfc_and_nfd_give_the_same_terms_and_surfaces() -> None:
    title, body = realtext.vietnamese_article(3)
    text = " ".join([title, *body[:4]])
    nfd = unicodedata.normalize("NFD", text)
    composed, decomposed = analyze(text, "vi"), analyze(nfd, "vi")
    assert [t.text for t in composed] == [t.text for t in decomposed]
    assert any("_" in t.text for t in composed)  # pyvi joined some words
    for a, b in zip(composed, decomposed, strict=True):
        assert unicodedata.normalize("NFC", nfd[b.start : b.end]) == text[a.start : a.end]
        if not a.folded:
            assert vi_term(text[a.start : a.end]) == a.text
    assert_covers_letters(text, composed)


def test_vietnamese_words_syllables_and_folded_terms() -> None:
    text = "Đường sắt Trung Quốc"
    tokens = analyze(text, "vi")
    by_position = {(t.text, t.position, t.kind) for t in tokens}
    assert by_position >= {("đường_sắt", 0, "word"), ("đường", 0, "part"), ("sắt", 1, "part"),
                           ("trung_quốc", 2, "word"), ("trung", 2, "part"),
                           ("quốc", 3, "part"), ("~duong_sat", 0, "word"), ("~duong", 0, "part")}
    word = next(t for t in tokens if t.text == "trung_quốc")
    assert text[word.start : word.end] == "Trung Quốc"


def test_vietnamese_with_and_without_tone_marks_share_the_folded_term() -> None:
    marked = {t.text for t in analyze("đường", "vi")}
    plain = {t.text for t in analyze("duong", "vi")}
    assert marked == {"đường", "~duong"} and plain == {"duong", "~duong"}
    assert marked & plain == {"~duong"}  # exact spellings stay apart for ranking
    query = {t.text for t in analyze_query("Trung Quoc", "vi")}
    assert "~trung" in query and "~quoc" in query
    assert all(t.folded for t in analyze("đường", "vi") if t.text.startswith("~"))


def test_vietnamese_tone_placement_is_canonical() -> None:
    for old, new in (("hoà", "hòa"), ("thuý", "thúy"), ("khoẻ", "khỏe"), ("Hoà", "hòa")):
        assert words(analyze(old, "vi")) == words(analyze(new, "vi")) == [new]
    for kept in ("quý", "hoàn", "thuyền", "quỳnh"):
        assert words(analyze(kept, "vi")) == [kept]


def test_vietnamese_segmenters_are_interchangeable() -> None:
    text = "Thủ tướng Chính phủ làm việc với Hà Nội."
    baseline = segment_vi.VietnameseTokenizer("syllable")(text)
    assert [t.text for t in baseline] == text.rstrip(".").split()
    pyvi = segment_vi.VietnameseTokenizer("pyvi", syllables=False)(text)
    assert "Thủ_tướng" in [t.text for t in pyvi]
    with pytest.raises(ValueError):
        segment_vi.VietnameseTokenizer("vncorenlp")


# --- Thai, Lao, English ---------------------------------------------------------------------


def test_thai_real_text_offsets() -> None:
    _title, body = realtext.thai_release(3)
    tokens = analyze(body, "th")
    assert len(tokens) > 50
    for t in tokens:
        assert body[t.start : t.end].casefold() == t.text and not t.text.isspace()
    assert_covers_letters(body, tokens)
    assert [t.text for t in analyze("รัฐบาลไทยประกาศนโยบายใหม่", "th")] == \
        ["รัฐบาล", "ไทย", "ประกาศ", "นโยบาย", "ใหม่"]


def test_thai_chain_cuts_real_text_as_pythainlp_newmm_does() -> None:
    """nlpo3 (Rust) replaced pythainlp's Python newmm: same dictionary, same cuts."""
    runs = [run for n in range(40) for text in realtext.thai_release(n)
            for run in segment_th.THAI_RUN.findall(text)]
    assert len(runs) > 2000
    ours = [segment_th.newmm_words(run) for run in runs]
    same = sum(a == segment_th.pythainlp_newmm_words(run)
               for a, run in zip(ours, runs, strict=True))
    assert same >= 0.999 * len(runs)
    assert all("".join(words) == run for words, run in zip(ours, runs, strict=True))
    # nlpo3 alone cuts the thanthakhat off "เวียร์" (favipiravir); past the start of a
    # run (a stray mark can open one) no word starts with a mark
    assert all(unicodedata.category(w[0]) != "Mn" for words in ours for w in words[1:])
    assert segment_th.newmm_words("ยาฟาวิพิราเวียร์ใช้รักษา")[-3:] == ["เวียร์", "ใช้", "รักษา"]


def test_thai_word_split_by_a_zero_width_space_keeps_offsets() -> None:
    text = "นโย\u200bบาย"
    tokens = analyze(text, "th")
    assert [t.text for t in tokens] == ["นโยบาย"]
    assert (tokens[0].start, tokens[0].end) == (0, len(text))


def test_lao_real_text_offsets_and_no_whitespace_tokens() -> None:
    for text in realtext.lao_texts(8):
        tokens = analyze(text, "lo")
        for t in tokens:
            assert text[t.start : t.end].casefold() == t.text and t.text.strip() == t.text
        assert_covers_letters(text, tokens)
    tokens = analyze("ສະຖານທູດ/ລາວ http://www.fao.org", "lo")
    assert [t.text for t in tokens] == ["ສະຖານທູດ", "ລາວ", "http", "www", "fao", "org"]


def test_english_real_text_is_lowercased_and_stemmed() -> None:
    stem = snowballstemmer.stemmer("english").stemWord
    for text in realtext.english_passages(3):
        tokens = analyze(text, "en")
        for t in tokens:
            surface = text[t.start : t.end].casefold().replace("’", "'")
            assert t.text == (surface if surface[0].isdigit() else stem(surface))
        assert_covers_letters(text, tokens)
    terms = [t.text for t in analyze("The governments’ elections were running", "en")]
    assert terms == ["the", "govern", "elect", "were", "run"]


def test_english_fullwidth_and_other_languages() -> None:
    text = "Ｔｏｋｙｏ ２０２０"
    tokens = analyze(text, "en")
    assert [(t.text, text[t.start : t.end]) for t in tokens] == \
        [("tokyo", "Ｔｏｋｙｏ"), ("2020", "２０２０")]
    assert [t.text for t in analyze("les élections", "fr")] == ["le", "élect"]
    assert [t.text for t in analyze("Elections", "und")] == ["elections"]


def test_query_analysis_uses_the_index_chain() -> None:
    for text, language in (("Đường sắt", "vi"), ("经济发展", "zh"), ("elections", "en")):
        assert analyze_query(text, language) == analyze(text, language)


def test_empty_and_punctuation_only_text() -> None:
    for language in ("zh", "vi", "th", "lo", "en"):
        assert analyze("", language) == []
        assert analyze(" ，。!? ", language) == []


def test_random_mixed_text_never_gives_bad_offsets() -> None:
    rng = random.Random(1)
    alphabet = [*"aăâeêoôơuưyđ AĐ_-/.,'’", "\u0301", "\u0300", "\u0323", "\u200b", "中", "國",
                "臺", "ก", "ี", "่", "ລ", "ົ", "ＡＢ", "１", "\n", "😀", "\U00020000", "〇"]
    for _ in range(150):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        for language in ("vi", "zh-Hant", "th", "lo", "en"):
            for t in analyze(text, language):
                assert 0 <= t.start < t.end <= len(text) and t.text, (text, language, t)


def test_warm_up_loads_chains_without_error() -> None:
    warm_up(("en", "lo", "th"))
