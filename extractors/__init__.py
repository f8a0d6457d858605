"""unboil's library: page loading, extractor backends, consensus, scoring, diffing.

Nothing here imports click or rich; ``unboil.cli`` is the command-line front end.
Heavy libraries (lxml, the extractor packages) are imported only when used.
"""

__version__ = "0.1.0"
