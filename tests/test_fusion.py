"""Score fusion: both sides normalised per query, lexical weighted per document language."""

from __future__ import annotations

from dataclasses import replace

import pytest

from newsdesk.search.fusion import DEFAULT_TUNING, score_fusion


def test_lexical_counts_fully_in_the_query_language_and_less_elsewhere() -> None:
    # An English query: BM25 matched an English paragraph strongly and a Chinese one
    # only on a shared number; dense prefers the Chinese paragraph within Chinese.
    lexical = [("en-1", 12.0), ("zh-1", 12.0), ("en-2", 3.0)]
    dense = {"en-1": 0.60, "en-2": 0.70, "zh-1": 0.40, "zh-2": 0.55}
    scale = {"en": (0.30, 0.70), "zh": (0.25, 0.55)}
    language = {"en-1": "en", "en-2": "en", "zh-1": "zh", "zh-2": "zh"}
    fused = score_fusion(lexical, dense, scale, language, "en", DEFAULT_TUNING)
    assert fused["en-1"] == pytest.approx(0.5 * 1.0 + 0.5 * 0.75)
    assert fused["en-2"] == pytest.approx(0.5 * 0.25 + 0.5 * 1.0)
    cross = DEFAULT_TUNING.lexical_share_cross
    assert fused["zh-2"] == pytest.approx((1 - cross) * 1.0)  # best Chinese match by meaning
    assert fused["zh-1"] == pytest.approx(cross * 1.0 + (1 - cross) * 0.5)
    assert fused["zh-2"] > fused["zh-1"]  # a shared number does not beat meaning


def test_unknown_query_language_weighs_every_document_alike() -> None:
    fused = score_fusion([("a", 2.0)], {"a": 0.5, "b": 0.9}, {"vi": (0.5, 0.9)},
                         {"a": "vi", "b": "vi"}, "und", DEFAULT_TUNING)
    assert fused == {"a": pytest.approx(0.5), "b": pytest.approx(0.5)}
    # A language that was not searched (filtered out) contributes no dense part.
    assert score_fusion([("x", 1.0)], {"x": 0.9}, {}, {"x": "th"}, "th",
                        DEFAULT_TUNING) == {"x": pytest.approx(0.5)}


def test_a_language_the_embedder_reads_poorly_keeps_the_same_language_share() -> None:
    """Lao (`dense_weak_languages`): a Thai query's Lao documents, and a Lao query's
    Thai documents, weigh lexical as documents in the query's language do."""
    lexical = [("lo-1", 10.0), ("lo-2", 5.0)]
    dense = {"lo-1": 0.50, "lo-2": 0.90}
    scale = {"lo": (0.50, 0.90)}
    language = {"lo-1": "lo", "lo-2": "lo"}
    same = DEFAULT_TUNING.lexical_share_same
    fused = score_fusion(lexical, dense, scale, language, "th", DEFAULT_TUNING)
    assert fused["lo-1"] == pytest.approx(same * 1.0)
    assert fused["lo-2"] == pytest.approx(same * 0.5 + (1 - same) * 1.0)
    plain = replace(DEFAULT_TUNING, dense_weak_languages=None)
    cross = DEFAULT_TUNING.lexical_share_cross
    assert score_fusion(lexical, dense, scale, language, "th", plain)["lo-1"] == \
        pytest.approx(cross * 1.0)
    thai = score_fusion([("th-1", 4.0)], {"th-1": 0.8}, {"th": (0.4, 0.8)}, {"th-1": "th"},
                        "lo", DEFAULT_TUNING)
    assert thai["th-1"] == pytest.approx(same * 1.0 + (1 - same) * 1.0)
    # Other pairs keep the cross-lingual share.
    zh = score_fusion([("zh-1", 4.0)], {"zh-1": 0.4}, {"zh": (0.4, 0.8)}, {"zh-1": "zh"},
                      "th", DEFAULT_TUNING)
    assert zh["zh-1"] == pytest.approx(cross * 1.0)
