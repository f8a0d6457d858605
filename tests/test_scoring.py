"""The Scrapinghub shingle metric on hand-computed cases."""

from __future__ import annotations

import pytest

from unboil.extractors.scoring import agreement, evaluate, score_page, shingles, tokens


def test_tokens_are_word_runs_with_case_kept() -> None:
    assert tokens("Hello, world! It's 2024_x.") == ["Hello", "world", "It", "s", "2024_x"]


def test_shingles_of_short_text_is_one_shingle() -> None:
    assert shingles("a b") == {("a", "b"): 1}
    assert shingles("") == {}
    assert shingles("a b c d e") == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}


def test_shingles_are_a_multiset() -> None:
    assert shingles("x y z w x y z w")[("x", "y", "z", "w")] == 2


def test_one_page_half_right() -> None:
    # predicted {abcd, bcde}, gold {abcd, bcdf}: tp=1 fp=1 fn=1, normalised by 3
    s = score_page("a b c d e", "a b c d f")
    assert (s.tp, s.fp, s.fn) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert s.precision == pytest.approx(0.5)
    assert s.recall == pytest.approx(0.5)


def test_mean_over_pages_skips_undefined_precision() -> None:
    # page 1: P=.5 R=.5; page 2: nothing predicted, so precision is undefined and
    # recall is 0: P = .5, R = (.5 + 0) / 2 = .25, F1 = 2*.5*.25/.75 = 1/3
    score = evaluate([("a b c d e", "a b c d f"), ("", "x y z w")])
    assert score.precision == pytest.approx(0.5)
    assert score.recall == pytest.approx(0.25)
    assert score.f1 == pytest.approx(1 / 3)
    assert score.accuracy == 0.0
    assert score.pages == 2


def test_empty_prediction_of_empty_gold_scores_one() -> None:
    score = evaluate([("", ""), ("same words here now", "same words, here now!")])
    assert (score.precision, score.recall, score.f1, score.accuracy) == (1.0, 1.0, 1.0, 1.0)


def test_duplicated_text_counts_as_false_positives() -> None:
    s = score_page("a b c d a b c d", "a b c d")
    # pred shingles: abcd x2, bcda, cdab, dabc ; gold: abcd -> tp 1, fp 4, fn 0
    assert s.precision == pytest.approx(1 / 5)
    assert s.recall == pytest.approx(1.0)


def test_agreement_is_symmetric_and_bounded() -> None:
    a = "one two three four five six"
    b = "one two three four seven eight"
    assert agreement(a, b) == agreement(b, a)
    # a: 3 shingles, b: 3 shingles, 1 shared -> 2*1/6
    assert agreement(a, b) == pytest.approx(1 / 3)
    assert agreement(a, a) == 1.0
    assert agreement("", "") == 1.0
    assert agreement(a, "") == 0.0


def test_segment_metric_counts_found_and_leaked_segments() -> None:
    from unboil.extractors.scoring import score_segments

    text = "The  Quick brown fox\njumps over the lazy dog. Subscribe now!"
    s = score_segments(
        text,
        ["quick brown fox jumps", "lazy dog", "a missing line"],
        ["Subscribe now", "Cookie policy"],
    )
    assert (s.tp, s.fn, s.fp, s.tn) == (2, 1, 1, 1)
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == pytest.approx(2 / 3)
    assert s.accuracy == pytest.approx(3 / 5)
    total = s + score_segments("", ["x"], [])
    assert (total.tp, total.fn) == (2, 2)


def test_agreement_matrix_pairs_and_mean() -> None:
    from unboil.extractors.scoring import (
        agreement,
        agreement_matrix,
        mean_agreement,
        pair_agreements,
    )

    texts = {
        "a": "the council closed the old footbridge before dawn on monday",
        "b": "the council closed the old footbridge before dawn",
        "c": "subscribe to our newsletter for the best stories",
    }
    matrix = agreement_matrix(texts)
    assert list(matrix) == ["a", "b", "c"] and all(matrix[n][n] == 1.0 for n in texts)
    assert matrix["a"]["b"] == matrix["b"]["a"] == agreement(texts["a"], texts["b"])
    pairs = pair_agreements(matrix)
    assert list(pairs) == [("a", "b"), ("a", "c"), ("b", "c")]
    assert mean_agreement(texts) == sum(pairs.values()) / 3
    assert mean_agreement({"a": texts["a"]}) is None
