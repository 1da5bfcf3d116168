"""The query language: operators, phrases, OR groups and field filters, parsed alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsdesk.search.query import QueryError, parse_query
from newsdesk.search.terms import analyse_term, has_vietnamese_marks, script_runs
from newsdesk.search.types import Clause, Term


def test_words_phrases_signs_and_fields() -> None:
    q = parse_query('đường sắt "Trung Quốc" -Thái +Lào source:tinmekong.example lang:vi '
                    'after:2025-09-01 before:2025-12-01')
    assert q.clauses == (
        Clause((Term("đường sắt"),), "should"),  # consecutive words stay one run
        Clause((Term("Trung Quốc", phrase=True),), "must"),
        Clause((Term("Thái"),), "must_not"),
        Clause((Term("Lào"),), "must"),
    )
    assert q.filters.languages == ("vi",)
    assert q.filters.sources == ("tinmekong.example",)
    assert q.filters.after == datetime(2025, 9, 1, tzinfo=UTC)
    assert q.filters.before == datetime(2025, 12, 1, tzinfo=UTC)
    assert q.positive_text == "đường sắt Trung Quốc Lào"


def test_or_groups_and_requiredness() -> None:
    q = parse_query('"đường sắt" OR railway OR 铁路 durian')
    assert q.clauses[0] == Clause((Term("đường sắt", True), Term("railway"), Term("铁路")), "must")
    assert q.clauses[1] == Clause((Term("durian"),), "should")
    assert parse_query("a OR b").clauses == (Clause((Term("a"), Term("b")), "should"),)
    assert parse_query("OR a OR").clauses == (Clause((Term("a"),), "should"),)


def test_cjk_quotes_fullwidth_colon_and_quoted_values() -> None:
    q = parse_query('「中老铁路」 source："Asia Wire Service" lang：zh,Lao')
    assert q.clauses == (Clause((Term("中老铁路", True),), "must"),)
    assert q.filters.sources == ("Asia Wire Service",)
    assert q.filters.languages == ("zh", "lo")


def test_other_colons_are_text_and_unclosed_quote_runs_to_end() -> None:
    assert parse_query("12:30 news").clauses == (Clause((Term("12:30 news"),), "should"),)
    assert parse_query('-"hà nội').clauses == (Clause((Term("hà nội", True),), "must_not"),)


@pytest.mark.parametrize(("query", "message"), [
    ("after:yesterday", "after:yesterday is not a date"),
    ("lang:12", "not a language code"),
    ("before:", "before: needs a value"),
])
def test_bad_filter_values_are_clear_errors(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(query)


def test_script_runs_and_languages() -> None:
    assert script_runs("Laos 中老 42项 ລາວ") == [("other", "Laos "), ("han", "中老 42项 "),
                                                 ("lao", "ລາວ")]
    assert has_vietnamese_marks("đường") and has_vietnamese_marks("Lào")
    assert not has_vietnamese_marks("duong sat railway")
    # Short Latin text without marks: analysed both as English and as Vietnamese.
    langs = [alt[0].language for alt in analyse_term(Term("railways")).runs[0]]
    assert langs == ["en", "vi"]
    assert analyse_term(Term("railways")).runs[0][0][0].words == ("railway",)  # stemmed
    # Typed without marks, Vietnamese matches only folded terms; with marks, both.
    assert analyse_term(Term("duong"), ["vi"]).matches()[0].fold_only
    marked = analyse_term(Term("đường sắt")).matches()[0]
    assert not marked.fold_only and marked.words == ("đường_sắt",)
    assert marked.sub == ("đường", "sắt") and marked.sub_fold == ("~duong", "~sat")
    # Traditional Chinese analyses to the same terms as simplified.
    hant = analyse_term(Term("命運共同體")).matches()
    hans = analyse_term(Term("命运共同体")).matches()
    assert [m.words for m in hant] == [m.words for m in hans]
