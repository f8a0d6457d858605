"""The built-in backends, one small adapter module each.

- ``trafilatura``: trafilatura (comments left out), on the shared lxml tree.
- ``readability``: readability-lxml's ``summary()``, on a copy of the shared tree.
- ``justext``: jusText with the stop-list of the page's language.
- ``resiliparse``: resiliparse's main-content text extraction (its own lexbor parser).
- ``boilerpy3``: boilerpy3's ArticleExtractor (optional: ``unboil[boilerpy3]``).
- ``goose3``: goose3, never fetching anything (optional: ``unboil[goose3]``).
- ``newspaper``: newspaper4k, no network (optional: ``unboil[newspaper]``).
- ``alltext``: all visible text of the page, the floor every extractor must beat.

Each is registered in ``pyproject.toml`` under the ``unboil.backends`` entry points.
An adapter imports its library inside ``run`` only, so importing the module is cheap
and listing backends never loads an extractor library.
"""
