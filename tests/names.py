"""The built-in backends the tests run, named once."""

#: the extractors that wrap a library, and the all-text baseline
EXTRACTORS = (
    "trafilatura",
    "readability",
    "justext",
    "resiliparse",
    "boilerpy3",
    "goose3",
    "newspaper",
    "alltext",
)
#: every HTML backend: those and their learned consensus
HTML_BACKENDS = (*EXTRACTORS, "consensus")
