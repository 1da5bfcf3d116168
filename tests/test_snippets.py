"""Snippets locate with a cheap folded scan and analyse only small contexts (issue 5).

Real text from ../shared/corpus (vietnews, CCTV, thaigov, XQuAD): the property every
test comes back to is that a highlight is exactly what the full analysis of the
paragraph finds at that place (`find_matches` with the whole paragraph's tokens,
the previous algorithm), and that a hit without any query word costs no analysis.
Analysis is counted by wrapping `snippets.analyze` (the real analyser still runs).
"""

from __future__ import annotations

import random
import re
import unicodedata
from itertools import pairwise

import opencc
import pytest

from newsdesk.search import snippets
from newsdesk.search.terms import TermMatch, analyse_term
from newsdesk.search.types import Snippet, Term
from newsdesk.text.analysis import analyze
from tests import realtext
from tests.conftest import count_analysis


def matches_for(query: str, hint: tuple[str, ...] = ()) -> list[TermMatch]:
    return analyse_term(Term(query, False), hint).matches()


@pytest.fixture
def analysed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Texts `snippets` sends to the (real) analyser."""
    return count_analysis(monkeypatch, snippets)


def paragraph_of(snippet: Snippet, paragraphs: list[str]) -> tuple[int, int]:
    """(paragraph index, offset of the snippet's text in it)."""
    core = snippet.text.removeprefix(snippets.ELLIPSIS).removesuffix(snippets.ELLIPSIS)
    for i, p in enumerate(paragraphs):
        at = p.find(core)
        if at >= 0:
            return i, at
    raise AssertionError(f"snippet text not in any paragraph: {snippet.text!r}")


def full_analysis_spans(text: str, language: str, matches: list[TermMatch]) -> set[tuple[int, int]]:
    """What the previous algorithm highlighted: the whole paragraph analysed."""
    return {(s, e) for s, e, _ in snippets.find_matches(text, language, matches,
                                                         analyze(text, language))}


def highlight_spans(snippet: Snippet, paragraphs: list[str]) -> tuple[int, set[tuple[int, int]]]:
    i, at = paragraph_of(snippet, paragraphs)
    shift = at - (1 if snippet.text.startswith(snippets.ELLIPSIS) else 0)
    return i, {(h.start + shift, h.end + shift) for h in snippet.highlights}


def test_match_deep_in_a_long_vietnamese_article_gets_that_paragraph(analysed) -> None:
    _, paragraphs = realtext.vietnamese_article(1)
    assert len(paragraphs) > 12
    target = paragraphs[8]
    earlier = " ".join(paragraphs[:8]).lower()
    # A two-syllable phrase of paragraph 8 that no earlier paragraph holds.
    syllables = re.findall(r"\w+", target)
    phrase = next(f"{a} {b}" for a, b in pairwise(syllables)
                  if len(a) > 2 and len(b) > 2 and a.lower() not in earlier
                  and b.lower() not in earlier)
    matches = matches_for(phrase, ("vi",))
    snippet = snippets.make_snippet(paragraphs, "vi", matches)
    assert snippet is not None and snippet.highlights
    i, spans = highlight_spans(snippet, paragraphs)
    assert i == 8
    assert spans <= full_analysis_spans(target, "vi", matches)
    marked = " ".join(snippet.text[h.start:h.end] for h in snippet.highlights).lower()
    for word in phrase.lower().split():
        assert word in marked
    # Syllables cut off by spaces or punctuation are the analysis's own units: nothing
    # was analysed (at most small contexts, never a whole paragraph or the body).
    assert sum(map(len, analysed)) < len(target)
    assert analysed == []


def test_traditional_text_is_highlighted_for_a_simplified_query() -> None:
    _, body = realtext.chinese_stories()[0]
    paragraphs = [opencc.OpenCC("s2t").convert(p) for p in body.split("\n") if p.strip()]
    words = re.findall("[\u4e00-\u9fff]{4}", body.split("\n")[-1])
    query = words[len(words) // 2]  # simplified, from the last paragraph
    matches = matches_for(query)
    snippet = snippets.make_snippet(paragraphs, "zh-Hant", matches)
    assert snippet is not None and snippet.highlights
    i, spans = highlight_spans(snippet, paragraphs)
    assert spans <= full_analysis_spans(paragraphs[i], "zh-Hant", matches)
    t2s = opencc.OpenCC("t2s")
    for h in snippet.highlights:
        assert t2s.convert(snippet.text[h.start:h.end]) in query


def test_unmarked_vietnamese_query_highlights_the_marked_words() -> None:
    text = ("Dự án đường sắt tốc độ cao Bắc - Nam sẽ đi qua 20 tỉnh, thành phố. "
            "Tuyến đường sắt dài hơn 1.500 km.")
    matches = matches_for("duong sat")  # two optional words, each highlighted alone
    snippet = snippets.make_snippet([text], "vi", matches)
    assert snippet is not None
    marked = [snippet.text[h.start:h.end] for h in snippet.highlights]
    assert marked == ["đường", "sắt", "đường", "sắt"]
    assert {(h.start, h.end) for h in snippet.highlights} == full_analysis_spans(text, "vi",
                                                                                 matches)
    phrase = analyse_term(Term("duong sat", True), ("vi",)).matches()
    title = "Đường sắt Bắc – Nam"
    assert [title[h.start:h.end] for h in snippets.highlights(title, "vi", phrase)] \
        == ["Đường sắt"]


def test_decomposed_vietnamese_text_keeps_its_offsets() -> None:
    text = unicodedata.normalize("NFD", "Khởi công tuyến đường sắt Lào Cai – Hà Nội – Hải Phòng.")
    snippet = snippets.make_snippet([text], "vi", matches_for("đường sắt"))
    assert snippet is not None and len(snippet.highlights) == 1
    h = snippet.highlights[0]
    assert unicodedata.normalize("NFC", snippet.text[h.start:h.end]) == "đường sắt"


def test_english_stems_and_word_boundaries(analysed) -> None:
    passage = realtext.english_passages(1)[0]
    text = passage + " The railway opened in 1890; two railways now trail the coast."
    snippet = snippets.make_snippet([text], "en", matches_for("railways", ("en",)))
    assert snippet is not None
    marked = [snippet.text[h.start:h.end] for h in snippet.highlights]
    assert marked == ["railway", "railways"]  # not "rail" in "trail"
    assert sum(map(len, analysed)) < 40


def test_thai_highlights_match_the_full_analysis() -> None:
    _, body = realtext.thai_release(0)
    paragraphs = [p for p in body.split("\n") if p.strip()]
    rng = random.Random(3)
    checked = 0
    for _ in range(12):
        p = rng.choice(paragraphs[1:])
        tokens = [t for t in analyze(p, "th") if len(t.text) >= 3 and t.kind == "word"]
        if not tokens:
            continue
        word = rng.choice(tokens).text
        matches = matches_for(word)
        snippet = snippets.make_snippet(paragraphs, "th", matches)
        assert snippet is not None and snippet.highlights, word
        i, spans = highlight_spans(snippet, paragraphs)
        assert spans <= full_analysis_spans(paragraphs[i], "th", matches), word
        checked += 1
    assert checked >= 8


def test_a_hit_without_query_words_gets_its_lead_without_analysis(analysed) -> None:
    title, paragraphs = realtext.vietnamese_article(2)
    matches = matches_for("中老命运共同体")  # a dense hit for a Chinese query
    snippet = snippets.make_snippet(paragraphs, "vi", matches)
    assert snippet is not None and not snippet.highlights
    assert paragraphs[0].startswith(snippet.text.removesuffix(snippets.ELLIPSIS))
    assert snippets.highlights(title, "vi", matches) == ()
    assert analysed == []


def test_real_articles_new_highlights_are_the_full_analysis_matches() -> None:
    """Over real vietnews and CCTV articles and title-fragment queries, every highlight
    is one the whole-paragraph analysis finds, and the title highlights are equal."""
    rng = random.Random(11)
    cases = []
    for n in range(8):
        title, paragraphs = realtext.vietnamese_article(n)
        cases.append(("vi", title, paragraphs, " ".join(title.split()[1:4])))
    for title, body in realtext.chinese_stories()[:8]:
        start = rng.randrange(max(1, len(title) - 4))
        cases.append(("zh", title, [p for p in body.split("\n") if p.strip()],
                      title[start:start + 4]))
    found = 0
    for language, title, paragraphs, query in cases:
        matches = matches_for(query)
        snippet = snippets.make_snippet(paragraphs, language, matches)
        assert snippet is not None
        if snippet.highlights:
            found += 1
            i, spans = highlight_spans(snippet, paragraphs)
            assert spans <= full_analysis_spans(paragraphs[i], language, matches), query
        assert {(h.start, h.end) for h in snippets.highlights(title, language, matches)} \
            == full_analysis_spans(title, language, matches), query
    assert found >= 12


def _reference_context(text: str, start: int, end: int) -> tuple[int, int]:
    """`snippets._context` as first written: characters tested one by one."""
    def separator(ch: str) -> bool:
        return ch.isspace() or unicodedata.category(ch)[0] == "P"

    script = snippets.script_of(text[start]) if start < len(text) else None
    if script in ("thai", "lao"):
        pad, reach, stop, fallback = snippets.CONTEXT_CHARS, snippets.CONTEXT_REACH, separator, 0
    elif script == "han":
        pad, reach, stop, fallback = (snippets.HAN_CONTEXT_CHARS, snippets.HAN_CONTEXT_REACH,
                                      separator, 0)
    else:
        pad, reach, stop, fallback = 0, snippets.CONTEXT_REACH, str.isspace, snippets.CONTEXT_REACH
    n = len(text)
    lo = max(0, start - pad)
    lo = next((j for j in range(lo, max(0, lo - reach) - 1, -1)
               if j == 0 or stop(text[j - 1])), max(0, lo - fallback))
    hi = min(n, end + pad)
    hi = next((j for j in range(hi, min(n, hi + reach) + 1)
               if j == n or stop(text[j])), min(n, hi + fallback))
    return lo, hi


def test_context_search_agrees_with_testing_each_character() -> None:
    """The regex search for the nearest stop gives the same contexts as the
    character-by-character scan, at every kind of position in real text of each script
    (starts, ends, inside words, next to punctuation, numbers in Chinese)."""
    texts = [realtext.thai_release(0)[1], realtext.thai_release(1)[1],
             " ".join(realtext.vietnamese_article(0)[1]), *realtext.lao_texts(3),
             *(body for _, body in realtext.chinese_stories()[:3]),
             *realtext.english_passages(3), "超7.5%的", "", "a", "。", "ก"]
    rng = random.Random(5)
    checked = 0
    for text in texts:
        n = len(text)
        spots = {(0, min(1, n)), (max(0, n - 1), n)}
        spots |= {(s, min(n, s + rng.randint(1, 6))) for s in
                  (rng.randrange(n) for _ in range(min(n, 400)))} if n else set()
        for start, end in sorted(spots):
            assert snippets._context(text, start, end) == _reference_context(text, start, end), \
                (text[max(0, start - 30):end + 30], start, end)
            checked += 1
    assert checked > 2000


def test_trusted_vietnamese_syllables_are_what_the_full_analysis_finds() -> None:
    """Vietnamese hits that are whole syllables skip the analyser; on real vietnews
    paragraphs, for random 1–3 syllable queries (some beside numbers and punctuation,
    some typed without marks), the confirmed spans must be exactly the full analysis's
    matches at those places."""
    rng = random.Random(17)
    compared = trusted = 0
    for n in range(30):
        _, paragraphs = realtext.vietnamese_article(n)
        for paragraph in rng.sample(paragraphs, min(3, len(paragraphs))):
            words = re.findall(r"\S+", paragraph)
            if len(words) < 4:
                continue
            at = rng.randrange(len(words) - 3)
            query = " ".join(words[at:at + rng.randint(1, 3)]).strip(".,;:()\"“”")
            if rng.random() < 0.3:  # typed without marks
                query = "".join(ch for ch in unicodedata.normalize("NFD", query)
                                if unicodedata.category(ch) != "Mn").replace("đ", "d")
            matches = matches_for(query, ("vi",))
            if not matches:
                continue
            hits = snippets._locate(paragraph, "vi", matches)
            if not hits:
                continue
            confirmed = {(s, e) for s, e, _ in snippets._confirm(paragraph, "vi", matches, hits)}
            full = {(s, e) for s, e, _ in snippets.find_matches(paragraph, "vi", matches,
                                                                analyze(paragraph, "vi"))
                    if any(s < he and hs < e for hs, he, _ in hits)}
            assert confirmed == full, query
            compared += 1
            trusted += sum(snippets._whole_syllables(paragraph, h, matches[h[2]]) for h in hits)
    assert compared >= 40 and trusted >= 40
    # Where the guards matter: a number's first part, an English contraction, a name
    # with a possessive, syllables glued together, a mark left combining after the hit.
    crafted = [("Giá tăng 3,2 % trong quý ba, theo Tổng cục Thống kê.", "3"),
               ("Ông nói: “We don't know yet” về kế hoạch này.", "don"),
               ("Đoàn đã đến thăm O’Brien và Hà Nội trong tuần.", "O"),
               ("Tên miền duongsat.vn đã được đăng ký, còn đường sắt thì chưa.", "duong sat"),
               ("Tuyến đường sắt mới.", "đường sắt")]
    for paragraph, query in crafted:
        matches = matches_for(query, ("vi",))
        hits = snippets._locate(paragraph, "vi", matches)
        confirmed = {(s, e) for s, e, _ in snippets._confirm(paragraph, "vi", matches, hits)}
        full = {(s, e) for s, e, _ in snippets.find_matches(paragraph, "vi", matches,
                                                            analyze(paragraph, "vi"))}
        assert confirmed == full, (paragraph, query, confirmed, full)


def test_thai_cut_check_confirms_what_the_whole_paragraph_analysis_finds() -> None:
    """Thai one-word hits are checked against newmm's cut of their whole Thai run (no
    tokens); on real thaigov paragraphs and random query words (many found inside
    longer words), a hit is confirmed exactly when the analysis of the whole paragraph,
    as the index ran it, has that word there."""
    rng = random.Random(23)
    cases = []
    for n in range(12):
        _, body = realtext.thai_release(n)
        paragraphs = [p for p in body.split("\n") if len(p) > 80]
        for paragraph in rng.sample(paragraphs, min(4, len(paragraphs))):
            words = [t.text for t in analyze(paragraph, "th") if t.kind == "word"
                     and t.text[0] >= "\u0e00"]
            query = " ".join(rng.sample(words, min(2, len(words))))
            cases.append((paragraph, query))
    rejected = confirmed = 0
    for paragraph, query in cases:
        matches = matches_for(query, ("th",))
        hits = snippets._locate(paragraph, "th", matches)
        fast, undecided = snippets._thai_words(paragraph, hits, matches)
        assert not undecided, query
        truth = full_analysis_spans(paragraph, "th", matches)
        assert {(s, e) for s, e, _ in fast} == {(s, e) for s, e, _ in hits} & truth, query
        confirmed += len(fast)
        rejected += len(hits) - len(fast)
    assert len(cases) >= 40 and rejected >= 10 and confirmed >= 40  # both ways were tested
    # A word split by a zero-width space is one word for the analyser: left undecided.
    text = "รัฐบาลประกาศนโย\u200bบายใหม่ และนโยบายเดิม"
    matches = matches_for("นโย", ("th",))
    hits = snippets._locate(text, "th", matches)
    assert snippets._thai_words(text, hits, matches)[1]
    assert snippets._confirm(text, "th", matches, hits) == []


def _reference_window(text: str, spans: list[tuple[int, int, int]]) -> tuple[int, int, float]:
    """`snippets._window`'s choice as first written: every span tested for every window."""
    if len(text) <= snippets.SNIPPET_CHARS:
        return 0, len(text), snippets._score(spans)
    best = (0, snippets.SNIPPET_CHARS, -1.0)
    for anchor, _, _ in spans or [(0, 0, 0)]:
        start = max(0, min(anchor - snippets.CONTEXT_BEFORE, len(text) - snippets.SNIPPET_CHARS))
        end = start + snippets.SNIPPET_CHARS
        score = snippets._score([sp for sp in spans if sp[0] >= start and sp[1] <= end])
        if score > best[2]:
            best = (start, end, score)
    return best


def test_window_sweep_chooses_what_testing_every_span_chooses(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Real long texts scanned for common words (hundreds of hits, overlapping needles):
    the window found in one sweep over the sorted spans is the one found by testing every
    span (compared before the cut moves to a space, which follows from the choice)."""
    monkeypatch.setattr(snippets, "_spaced", lambda text: False)
    cases = [(realtext.thai_release(n)[1], "th", "การ ที่ และ ของ ประเทศ") for n in range(6)]
    cases += [(" ".join(realtext.vietnamese_article(n)[1]), "vi", "của và các Việt Nam")
              for n in range(4)]
    cases += [(body, "zh", "中国 发展 的 国") for _, body in realtext.chinese_stories()[:4]]
    most_hits = 0
    for text, language, query in cases:
        matches = matches_for(query, (language,))
        spans = snippets._locate(text, language, matches)
        assert spans == sorted(spans)
        most_hits = max(most_hits, len(spans))
        for cut in (len(text), 1500, 400):  # the whole text, and shorter stretches of it
            piece = [sp for sp in spans if sp[1] <= cut]
            assert snippets._window(text[:cut], piece) == _reference_window(text[:cut], piece), \
                (language, query, cut)
    assert most_hits > 100


def test_minor_words_do_not_choose_the_window_but_are_highlighted_in_it() -> None:
    """The query's very common words ("của", "và") only score; the snippet's window is
    chosen by the rarer word, and the common ones are highlighted where the chosen
    window holds them, exactly as the full analysis finds them there."""
    common = matches_for("của và", ("vi",))
    for n in range(20):
        _, paragraphs = realtext.vietnamese_article(n)
        for i in range(3, len(paragraphs)):
            target, earlier = paragraphs[i], " ".join(paragraphs[:i]).lower()
            syllables = re.findall(r"\w+", target)
            phrase = next((f"{a} {b}" for a, b in pairwise(syllables)
                           if len(a) > 2 and len(b) > 2 and a.lower() not in earlier
                           and b.lower() not in earlier), None)
            if phrase is None or " của " not in target or earlier.count(" của ") < 3:
                continue
            rare = matches_for(phrase, ("vi",))
            snippet = snippets.make_snippet(paragraphs, "vi", rare, common)
            assert snippet is not None
            at, spans = highlight_spans(snippet, paragraphs)
            assert at == i  # the earlier paragraphs' many "của" did not pull it there
            _, at_offset = paragraph_of(snippet, paragraphs)
            core = snippet.text.removeprefix(snippets.ELLIPSIS).removesuffix(snippets.ELLIPSIS)
            window = (at_offset, at_offset + len(core))
            expected = {(s, e) for s, e in full_analysis_spans(target, "vi", [*rare, *common])
                        if window[0] <= s and e <= window[1]}
            assert spans == expected
            assert any(target[s:e].lower() == "của" for s, e in spans)
            # Common words alone (nothing rarer in the query) choose the window as usual.
            alone = snippets.make_snippet(paragraphs, "vi", [], common)
            assert alone == snippets.make_snippet(paragraphs, "vi", common)
            return
    pytest.fail("no vietnews paragraph with a rare pair and a nearby 'của' in 20 articles")


def test_minor_words_scanned_in_the_window_alone_find_what_a_whole_paragraph_scan_finds() -> None:
    """`_with_minor` folds and scans only the window (± `MINOR_MARGIN`): on real Thai,
    Chinese, Vietnamese and English paragraphs, for windows all along each one (cut
    mid-word too), the hits it keeps are those a scan of the whole paragraph finds
    inside the window, confirmed the same way."""
    cases = [(realtext.thai_release(n)[1], "th", "การ ของ และ ที่") for n in range(3)]
    cases += [(body, "zh", "中国 发展 的 国") for _, body in realtext.chinese_stories()[:3]]
    cases += [(" ".join(realtext.vietnamese_article(n)[1]), "vi", "của và các được")
              for n in range(3)]
    cases += [(p, "en", "the of and people") for p in realtext.english_passages(3)]
    compared = 0
    for text, language, words in cases:
        minor = matches_for(words, (language,))
        whole = snippets._locate(text, language, minor)
        for start in range(0, max(1, len(text) - 50), 37):
            end = min(len(text), start + snippets.SNIPPET_CHARS)
            inside = [h for h in whole if start <= h[0] and h[1] <= end]
            expected = (snippets._merge(snippets._confirm(text, language, minor, inside))
                        if inside else [])
            assert snippets._with_minor(text, start, end, [], language, minor) == expected, \
                (language, start)
            compared += bool(expected)
    assert compared > 100
