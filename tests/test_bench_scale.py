"""bench/search_scale.py's data and its analysis shortcut, on the real news corpora.

The bench's figures are only worth something if (1) the corpora are parsed the way
their README describes, (2) generated documents are deterministic and stay in one
language, and (3) the memoised analysis hands tantivy exactly the terms newsdesk's
own `build_document` path would. These check that, on real files.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from bench._scale_analysis import AnalysisMemo, join_tokens, pack
from bench._scale_data import NEWS, Corpus, load_cctv, load_thaigov, load_vietnews
from newsdesk.text.analysis import analyze

pytestmark = pytest.mark.skipif(not NEWS.exists(), reason="../shared/corpus/news is absent")


@pytest.fixture(scope="module")
def real_docs():
    cctv, viet, thai = load_cctv(), load_vietnews(), load_thaigov()
    return cctv, viet, thai


def test_corpora_parse_as_documented(real_docs) -> None:
    cctv, viet, thai = real_docs
    assert len(cctv) > 9000 and len(viet) > 4900 and len(thai) > 1400
    story = cctv[0]
    assert story.language == "zh" and story.url and story.url.startswith("https://tv.cctv.com/")
    assert story.published and story.published.year == 2024
    assert not any(p.startswith("[查看原文]") or "**" in p for p in story.paragraphs)
    assert all("_" not in d.title for d in viet[:200])  # segmentation joins removed
    assert viet[0].title.startswith("Bản án cho đối tượng giả danh công an")
    first = thai[0]
    assert not first.title.startswith("รัฐบาลไทย-")
    assert first.published is not None and first.published.date() == datetime(2020, 12, 31).date()
    assert first.url == "https://www.thaigov.go.th/news/contents/details/38029"
    assert not any(p.startswith("ที่มา") for d in thai[:100] for p in d.paragraphs)


def test_generated_documents_are_deterministic_and_monolingual(real_docs) -> None:
    cctv, viet, thai = real_docs
    corpus = Corpus(cctv[:200] + viet[:200] + thai[:200])
    a, parents_a = corpus.generated(123)
    b, parents_b = corpus.generated(123)
    assert (a.title, a.paragraphs, a.published, parents_a) == (b.title, b.paragraphs,
                                                               b.published, parents_b)
    for i in range(50):
        doc, parents = corpus.generated(i)
        assert all(corpus.real[p].language == doc.language for p in parents)
        pool = {corpus.paragraphs[k] for k in corpus.by_lang[doc.language]}
        assert set(doc.paragraphs) <= pool
        assert doc.title == doc.title_sep.join(doc.title_parts)
        assert doc.published is not None and 2021 <= doc.published.year <= 2026


def test_join_tokens_matches_analysis_of_the_joined_text() -> None:
    """Vietnamese sentences analysed one by one, then joined, equal analysing the join."""
    pieces = ["Ngày 25/2, TAND TP. Đà Nẵng tuyên phạt Hồ Xuân Huy.",
              "Nhiều người đã bị lừa đảo với tổng số tiền 3,2 tỷ đồng."]
    joined = join_tokens([(p, pack(analyze(p, "vi"))) for p in pieces], "\n\n")
    assert [(t.text, t.start, t.end) for t in joined] == [
        (t.text, t.start, t.end) for t in analyze("\n\n".join(pieces), "vi")]


def test_memoised_lexical_analysis_gives_newsdesks_own_terms(real_docs, tmp_path) -> None:
    from bench.search_scale import MemoisedLexicalAnalysis
    from newsdesk.index import lexical

    cctv, viet, thai = real_docs
    docs = cctv[:3] + viet[:3] + thai[:3]
    expected = [(lexical.analyze_paragraphs([d.title], d.language),
                 lexical.analyze_paragraphs(d.paragraphs, d.language)) for d in docs]
    memoised = MemoisedLexicalAnalysis(AnalysisMemo(tmp_path / "memo.pkl"))
    try:
        got = [(lexical.analyze_paragraphs([d.title], d.language),
                lexical.analyze_paragraphs(d.paragraphs, d.language)) for d in docs]
        again = [lexical.analyze_paragraphs(d.paragraphs, d.language) for d in docs]
    finally:
        memoised.close()
    assert got == expected
    assert again == [body for _, body in expected]
    assert memoised.hits >= sum(len(d.paragraphs) for d in docs)  # second pass: all memo hits
    served = memoised.hits + memoised.misses
    lexical.analyze_paragraphs(docs[0].paragraphs, docs[0].language)
    assert memoised.hits + memoised.misses == served  # hook ended: newsdesk's own analysis
