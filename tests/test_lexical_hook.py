"""The lexical index's pre-analysed paragraph hook (issue 5): same terms, no analysis.

Real vietnews and CCTV text, a real tantivy index. Analysis is counted by wrapping
`lexical.analyze` (the real analyser still runs when it is called).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.index import lexical
from newsdesk.records import Article
from tests import realtext
from tests.conftest import count_analysis


@pytest.fixture
def analysed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return count_analysis(monkeypatch, lexical)


def _articles() -> list[Article]:
    title, paragraphs = realtext.vietnamese_article(0)
    zh_title, zh_body = realtext.chinese_stories()[1]
    return [
        Article(id="vi-1", canonical_url="https://tests.example/vi/1", title=title,
                paragraphs=paragraphs, language="vi", content_hash="vi-1"),
        Article(id="zh-1", canonical_url="https://tests.example/zh/1", title=zh_title,
                paragraphs=[p for p in zh_body.split("\n") if p.strip()], language="zh",
                content_hash="zh-1"),
    ]


def test_pre_analysed_terms_equal_the_default_and_skip_analysis(analysed: list[str]) -> None:
    articles = _articles()
    expected = [lexical.analyze_paragraphs(a.paragraphs, a.language) for a in articles]
    memo = {(p, a.language): lexical.paragraph_terms(p, a.language)
            for a in articles for p in (a.title, *a.paragraphs) if p.strip()}
    analysed.clear()
    asked: list[str] = []

    def terms(text: str, language: str) -> lexical.FieldTerms:
        asked.append(text)
        return memo[(text, language)]

    got = [lexical.analyze_paragraphs(a.paragraphs, a.language, terms) for a in articles]
    with lexical.pre_analysed(terms):
        scoped = [lexical.analyze_paragraphs(a.paragraphs, a.language) for a in articles]
    assert got == expected and scoped == expected
    assert analysed == []
    assert len(asked) == 2 * sum(1 for a in articles for p in a.paragraphs if p.strip())
    # The cached terms were shifted copies, never moved in place.
    assert memo[(articles[0].paragraphs[1], "vi")] == lexical.paragraph_terms(
        articles[0].paragraphs[1], "vi")
    # Outside the block the default analysis is back.
    analysed.clear()
    lexical.analyze_paragraphs(articles[0].paragraphs[:1], "vi")
    assert analysed == [articles[0].paragraphs[0]]


def test_documents_built_in_a_pre_analysed_block_are_found(tmp_path: Path,
                                                             analysed: list[str]) -> None:
    articles = _articles()
    memo = {(p, a.language): lexical.paragraph_terms(p, a.language)
            for a in articles for p in (a.title, *a.paragraphs) if p.strip()}
    analysed.clear()
    index = lexical.LexicalIndex(tmp_path / "lexical")
    with lexical.pre_analysed(lambda text, language: memo[(text, language)]):
        index.upsert(articles)  # the path Indexer.sync takes
    index.commit()
    assert analysed == []
    word = next(t for _, t in lexical.paragraph_terms(articles[1].title, "zh").words
                if len(t) > 1)
    hits = index.search(index.term(lexical.TITLE, word), limit=5)
    assert [article_id for article_id, _ in hits] == ["zh-1"]
    index.close()
