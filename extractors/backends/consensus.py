"""consensus: the member extractors' outputs as votes on the page's blocks, combined by a
small learned model (see ``unboil.extractors.consensus`` and benchmarks/CONSENSUS.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from ..base import Backend, Extraction, ExtractOptions

if TYPE_CHECKING:
    from ..page import Page


class ConsensusBackend(Backend):
    name = "consensus"
    description = (
        "consensus of trafilatura, readability and resiliparse: their votes on the "
        "page's blocks, combined by a learned model"
    )
    modules: ClassVar[tuple[str, ...]] = (
        "numpy",
        "trafilatura",
        "readability",
        "resiliparse",
    )
    distribution = "unboil"
    install = "pip install unboil"
    uses_tree = True

    def warm(self, *, metadata: bool = False) -> None:
        from .. import consensus
        from ..registry import shared

        for name in consensus.model().members:  # loads the model
            shared(name).warm(metadata=metadata)

    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        from ..consensus import consensus

        return consensus(page, options)
