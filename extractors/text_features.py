"""Text mode's features: one row per unit of a plain text, from the text only -- its
length, stop-word and punctuation density, sentence shape, capitals and digits, calls
to action, pronouns, links, prices, dates, separators, quotes, a trailing photo credit;
the same for its neighbours; its position and repetition within the text
(``features``, named by ``feature_names``). ``textmode`` classifies the rows."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .scoring import tokens

if TYPE_CHECKING:
    import numpy as np

STOP_WORDS = frozenset(
    """a about after all also an and are as at be been but by can could did do does for
    from had has have he her his how i if in into is it its just more most my no not of
    on one or other out over said she so some than that the their them then there these
    they this to up was were what when which who will with would
    le la les de des du un une et est en que qui dans pour pas sur au aux
    der die das und ist nicht ein eine zu den mit von sich auf für
    el los las y en que por con una para del se
    il di che per non è della
    o os as da do das dos é em um uma não na no nas nos mais como""".split()  # noqa: SIM905
)
#: calls to action, site furniture: whole words (lower case)
CTA_WORDS = frozenset(
    """subscribe subscribed subscription subscriptions newsletter newsletters signup
    login logged register registering registered registration sign log share shares
    comment comments commenting forum click download follow donate donation donations
    support advertisement advertising advert sponsored cookie cookies privacy terms
    copyright rights reserved reply replies menu search home contact account password
    email subscribers trial membership premium refresh browser app ad ads tweet
    facebook twitter instagram linkedin whatsapp pinterest youtube print read more
    related recommended trending popular newsletter loading please thank sorry join
    unsubscribe offer deals shop buy cart checkout""".split()  # noqa: SIM905
)
CTA_PHRASES = (
    "sign up",
    "log in",
    "sign in",
    "read more",
    "click here",
    "thank you for",
    "please refresh",
    "your support",
    "support us",
    "all rights reserved",
    "terms of",
    "privacy policy",
    "cookie policy",
    "follow us",
    "share this",
    "share on",
    "join our",
    "join the",
    "more from",
    "related articles",
    "you may also",
    "you might also",
    "most popular",
    "sponsored content",
    "advertisement",
    "newsletter",
    "subscribe",
    "donat",
    "comments",
)
PERSONAL = frozenset(("we", "us", "our", "ours", "you", "your", "yours"))
_URL = re.compile(r"https?://|www\.|\.(com|org|net|co\.uk)\b|@\w", re.IGNORECASE)
_PRICE = re.compile(r"[$€£¥]\s?\d|\d\s?(€|EUR|USD|GBP)\b")
_DATE = re.compile(
    r"\b(19|20)\d\d\b|\b\d{1,2}:\d\d\b|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"[a-z]*\.? \d|\b\d{1,2} (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)",
    re.IGNORECASE,
)
#: a sentence's end (also where ``textmode`` cuts a long unit)
SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(\s|$)")
_SEPARATORS = re.compile(r"[|•·»›>/]")
#: the first character of each token that may be a capital (not a digit nor a-z)
_FIRST = re.compile(r"\b[^\W\d_a-z]")
_PAREN_END = re.compile(r"\([^()]{2,60}\)\s*$")

#: the per-unit ("own") features, computed for the unit and for its neighbours
OWN = (
    "log_chars",
    "log_words",
    "mean_word_len",
    "stop_ratio",
    "punct_ratio",
    "comma_ratio",
    "ends_sentence",
    "sentences",
    "words_per_sentence",
    "upper_ratio",
    "digit_ratio",
    "title_ratio",
    "starts_upper",
    "cta_words",
    "cta_phrases",
    "personal_ratio",
    "url",
    "price",
    "date",
    "separators",
    "quote",
    "paren_end",
    "cjk_ratio",
)
#: neighbour offsets whose own features are copied
NEIGHBOURS = (-2, -1, 1, 2)
NEIGHBOUR_OWN = (
    "log_words",
    "stop_ratio",
    "ends_sentence",
    "cta_words",
    "cta_phrases",
    "personal_ratio",
    "title_ratio",
)
CONTEXT = (
    "position",
    "words_before",
    "words_after",
    "n_units",
    "log_total_words",
    "repeats",
    "in_neighbour",
    "window_long",
    "window_log_words",
    "dist_long_before",
    "dist_long_after",
    "run_len",
    "run_words",
    "share_of_max",
    "doc_stop_ratio",
)
LONG = 25  # words: a "long" unit, likely prose


def feature_names() -> list[str]:
    names = list(OWN)
    for k in NEIGHBOURS:
        names += [f"{name}@{k:+d}" for name in NEIGHBOUR_OWN]
    names += list(CONTEXT)
    return names


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _cjk(text: str) -> int:
    return len(_CJK.findall(text))


def size(text: str) -> int:
    """Words, for any script: ``\\w+`` tokens, plus one per two CJK characters (a
    Japanese sentence is one long token)."""
    return _size(len(tokens(text)), _cjk(text))


def _size(n_tokens: int, cjk: int) -> int:
    """``size`` from the counts of tokens and CJK characters."""
    return n_tokens + cjk // 2


def _upper_digits(text: str) -> tuple[int, int]:
    """Upper-case characters (those ``lower()`` changes) and ASCII digits, counted with
    numpy over the code points (a long unit costs no Python loop per character)."""
    import numpy as np

    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    low = text.lower()
    if len(low) == len(text):
        lowered = np.frombuffer(low.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        upper = int(np.count_nonzero(points != lowered))
    else:  # a character whose lower case is longer (İ): count one by one
        upper = sum(map(str.isupper, text))
    return upper, int(np.count_nonzero((points >= 48) & (points <= 57)))


def _count(words: Counter[str], vocabulary: frozenset[str]) -> int:
    return sum(c for w, c in words.items() if w in vocabulary)


def _own(text: str, toks: list[str], low: Counter[str], cjk: int) -> list[float]:
    """The unit's own features, from its text, its lower-case tokens, their counts and
    its CJK characters. Linear in its length: per-token work is done once per distinct
    token, per-character counts by C-level loops."""
    n = len(toks)
    chars = len(text)
    nw = max(len(text.split()), 1)
    low_text = text.lower()
    sentences = len(SENTENCE_END.findall(text))
    stripped = text.rstrip()
    upper, digits = _upper_digits(text)
    word_chars = sum(map(len, toks))
    letters = max(word_chars - digits, 1)  # \w characters but digits
    return [
        math.log1p(chars),
        math.log1p(_size(n, cjk)),
        (word_chars / n) if n else 0.0,
        (_count(low, STOP_WORDS) / n) if n else 0.0,
        sum(text.count(c) for c in ".,;:!?") / nw,
        text.count(",") / nw,
        float(stripped.endswith((".", "!", "?", "…", '"', "”", "’", "'"))),
        float(sentences),
        n / max(sentences, 1),
        upper / letters,
        digits / max(chars, 1),
        (sum(map(str.isupper, _FIRST.findall(text))) / n) if n else 0.0,
        float(text[:1].isupper()),
        float(_count(low, CTA_WORDS)),
        float(sum(p in low_text for p in CTA_PHRASES)),
        (_count(low, PERSONAL) / n) if n else 0.0,
        float(bool(_URL.search(text))),
        float(bool(digits and _PRICE.search(text))),
        float(bool(digits and _DATE.search(text))),
        float(len(_SEPARATORS.findall(text))),
        float(text[:1] in "\"“‘'" or text.count("“") + text.count('"') >= 2),
        float(bool(_PAREN_END.search(text))),
        cjk / max(chars, 1),
    ]


def features(units: Sequence[str]) -> np.ndarray:
    """One row of ``feature_names()`` per unit, in order (the context of a unit is the
    rest of ``units``)."""
    import numpy as np

    n = len(units)
    names = feature_names()
    if n == 0:
        return np.zeros((0, len(names)))
    lowers = [tokens(u.lower()) for u in units]
    lows = [Counter(lt) for lt in lowers]
    cjks = [_cjk(u) for u in units]
    own = np.array(
        [_own(*row) for row in zip(units, lowers, lows, cjks, strict=True)],
        dtype=np.float64,
    )
    idx = {name: i for i, name in enumerate(OWN)}
    words = np.array([_size(len(t), c) for t, c in zip(lowers, cjks, strict=True)], dtype=float)
    # the text's own stop words, whatever its language: its most frequent short tokens
    freq: Counter[str] = Counter()
    for low in lows:
        freq.update({t: c for t, c in low.items() if len(t) <= 3})
    own_stop = frozenset(t for t, _ in freq.most_common(20))
    total = float(words.sum()) or 1.0
    cum = np.cumsum(words)
    norms = [" ".join(lt) for lt in lowers]
    counts = Counter(norms)
    long = words >= LONG
    cols: list[np.ndarray] = [own]
    pick = [idx[name] for name in NEIGHBOUR_OWN]
    for k in NEIGHBOURS:
        shifted = np.full((n, len(pick)), np.nan)
        lo, hi = max(0, -k), min(n, n - k)
        if hi > lo:
            shifted[lo:hi] = own[lo + k : hi + k][:, pick]
        cols.append(shifted)
    ctx = np.zeros((n, len(CONTEXT)))
    # runs of consecutive short (or long) units
    run_id = np.zeros(n, dtype=np.int64)
    for i in range(1, n):
        run_id[i] = run_id[i - 1] + (long[i] != long[i - 1])
    run_len = Counter(run_id.tolist())
    run_words: Counter[int] = Counter()
    for i in range(n):
        run_words[int(run_id[i])] += int(words[i])
    # distance to the nearest long unit before / after (capped at 20; 21: none)
    dist_before = np.full(n, 21.0)
    dist_after = np.full(n, 21.0)
    last = -1
    for i in range(n):
        if last >= 0:
            dist_before[i] = min(i - last, 20)
        if long[i]:
            last = i
    last = -1
    for i in range(n - 1, -1, -1):
        if last >= 0:
            dist_after[i] = min(last - i, 20)
        if long[i]:
            last = i
    biggest = float(words.max()) or 1.0
    for i in range(n):
        lo, hi = max(0, i - 3), min(n, i + 4)
        neighbour_text = " ".join(norms[j] for j in (i - 1, i + 1) if 0 <= j < n)
        ctx[i] = [
            i / max(n - 1, 1),
            (cum[i] - words[i]) / total,
            (total - cum[i]) / total,
            math.log1p(n),
            math.log1p(total),
            float(counts[norms[i]] - 1),
            float(bool(norms[i]) and norms[i] in neighbour_text),
            float(long[lo:hi].mean()),
            float(np.log1p(words[lo:hi]).mean()),
            dist_before[i],
            dist_after[i],
            math.log1p(run_len[int(run_id[i])]),
            math.log1p(run_words[int(run_id[i])]),
            words[i] / biggest,
            (_count(lows[i], own_stop) / len(lowers[i])) if lowers[i] else 0.0,
        ]
    cols.append(ctx)
    return np.hstack(cols)
