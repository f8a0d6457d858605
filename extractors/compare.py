"""Run several backends on one page and measure how much they agree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .base import Extraction, ExtractOptions
from .page import Page
from .scoring import agreement_matrix

CONSENSUS = "consensus"


@dataclass
class Comparison:
    source: str
    #: every backend's extraction, in the order asked (consensus last when present)
    extractions: dict[str, Extraction]
    #: agreement[a][b]: symmetric shingle F1 of a's text against b's
    agreement: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def consensus(self) -> Extraction | None:
        return self.extractions.get(CONSENSUS)

    def to_dict(self) -> dict[str, Any]:
        cons = self.consensus
        return {
            "source": self.source,
            "backends": [
                {
                    "backend": e.backend,
                    "version": e.version,
                    "blocks": len(e.blocks),
                    "words": e.words,
                    "quality": e.quality,
                    "seconds": round(e.seconds, 6),
                    "error": e.error,
                    "reason": e.reason,
                    "agreement": {k: round(v, 4) for k, v in self.agreement[name].items()},
                }
                for name, e in self.extractions.items()
            ],
            "consensus": None
            if cons is None
            else {
                "text": cons.text,
                "error": cons.error,
                "blocks": [
                    {
                        "text": v.text,
                        "kind": v.kind,
                        "role": v.role,
                        "members": v.members,
                        "probability": round(v.probability, 4),
                        "kept": v.kept,
                        "doubtful": v.doubtful,
                    }
                    for v in cons.votes or []
                ],
            },
        }


def compare(
    page: Page, backends: Sequence[str], options: ExtractOptions | None = None
) -> Comparison:
    """Run ``backends`` on ``page`` (one parse shared). When ``consensus`` is among
    them, its members' results are reused instead of running those backends twice."""
    from .registry import get

    options = options or ExtractOptions()
    results: dict[str, Extraction] = {}
    if CONSENSUS in backends:
        cons = get(CONSENSUS).extract(page, options)
        results.update({k: v for k, v in (cons.members or {}).items() if k in backends})
    for name in backends:
        if name not in results and name != CONSENSUS:
            results[name] = get(name).extract(page, options)
    ordered = {n: results[n] for n in backends if n in results and n != CONSENSUS}
    if CONSENSUS in backends:
        ordered[CONSENSUS] = cons
    matrix = agreement_matrix({n: e.text for n, e in ordered.items()})
    return Comparison(page.source, ordered, matrix)
