"""One page's path (``extractors/pipeline.py``): text mode decided once, the backend
run within the time limit, a failure said in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from unboil.extractors import pipeline
from unboil.extractors.base import ExtractOptions
from unboil.extractors.errors import SourceError
from unboil.extractors.loading import NotHtml

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "samples" / "seed-independent.html"
SEED_TEXT = ROOT / "samples" / "seed-independent.txt"


@pytest.mark.parametrize(
    ("input_format", "html_is_text", "text_is_text"),
    [("auto", False, True), ("text", True, True)],
)
def test_text_mode_is_decided_once_for_paths_and_bytes(
    input_format: str, html_is_text: bool, text_is_text: bool
) -> None:
    for load in (
        lambda p: pipeline.load_page(str(p), input_format),
        lambda p: pipeline.load_page_bytes(p.read_bytes(), str(p), input_format),
    ):
        assert load(SEED).is_text is html_is_text
        assert load(SEED_TEXT).is_text is text_is_text


def test_html_refuses_plain_text() -> None:
    with pytest.raises(NotHtml):
        pipeline.load_page(str(SEED_TEXT), "html")
    with pytest.raises(NotHtml):
        pipeline.load_page_bytes(SEED_TEXT.read_bytes(), "seed.txt", "html")
    with pytest.raises(SourceError):  # not text at all: refused whatever the format
        pipeline.load_page_bytes(b"%PDF-1.7\n1 0 obj\n", "doc.pdf", "text")


def test_a_text_page_is_cleaned_by_the_text_backend_whatever_was_asked() -> None:
    page = pipeline.load_page(str(SEED_TEXT))
    used, result = pipeline.extract_page(page, "trafilatura", ExtractOptions())
    assert used == result.backend == "text" and result.ok
    html = pipeline.load_page(str(SEED))
    used, result = pipeline.extract_page(html, "trafilatura", ExtractOptions())
    assert used == "trafilatura" and result.ok and pipeline.failure(used, result) is None


def test_a_timeout_is_the_extractions_error() -> None:
    page = pipeline.load_page(str(SEED))
    used, result = pipeline.extract_page(page, "consensus", ExtractOptions(), timeout=1e-6)
    assert not result.ok and "timed out" in (result.error or "")
    assert pipeline.failure(used, result) == f"consensus failed: {result.error}"
