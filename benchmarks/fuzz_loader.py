"""A bounded fuzz run over the page loader (and the parse every backend shares).

Mutates seed pages (the hostile corpus's small inputs and a plain article) with byte
flips, cuts, duplications and hostile tokens, and feeds each result to
``load_bytes`` (gzip, sniffing, decoding), then ``parse_html``, ``flatten_deep`` and
``page_html``; with ``--backends`` also to those backends' adapters (``run``, not the
``extract`` wrapper that would hide their exceptions). A crash is any exception that
is not a ``SourceError``; a hang an input taking longer than ``--slow`` seconds.

    .venv/bin/python benchmarks/fuzz_loader.py --inputs 20000 --seed 1
    .venv/bin/python benchmarks/fuzz_loader.py --inputs 2000 --backends goose3,newspaper

Prints the figures (inputs tried, crashes and slow inputs by kind, inputs/s) and
writes each crashing input to ``--out`` to be replayed.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

TOKENS = [
    b"<", b">", b"</", b"<div>", b"</div>", b"<p>", b"<!--", b"-->", b"<script>",
    b"</script>", b"&", b"&#x", b";", b"\x00", b"\xff", b"\xc3", b"\xef\xbb\xbf",
    b"\xff\xfe", b"\x1f\x8b\x08", b"%PDF-", b"{", b"[", b'"', b"<meta charset=",
    b"utf-16", b"shift_jis", b"bogus", b"<?xml version='1.0' encoding='", b"<!DOCTYPE",
    b"<!ENTITY x SYSTEM 'file:///etc/passwd'>", b"&x;", b"<div>" * 300, b"\r", b"\x1b$B",
    b"&#x1", b"&#11;", b"&#xDFFF;", b"\x0c",
]  # fmt: skip


def seeds() -> list[bytes]:
    import hostile

    with tempfile.TemporaryDirectory() as tmp:
        paths = hostile.build(Path(tmp) / "c", big=False)
        out = [p.read_bytes() for p in paths.values() if p.stat().st_size < 100_000]
    out.append(hostile.article(*[hostile.EN] * 5).encode())
    return out


def mutate(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 10)):
        op = rng.random()
        i = rng.randint(0, len(buf))
        if op < 0.3:
            buf[i:i] = rng.choice(TOKENS)
        elif op < 0.5:
            del buf[i : i + rng.randint(1, 64)]
        elif op < 0.7 and buf:
            buf[min(i, len(buf) - 1)] = rng.randrange(256)
        elif op < 0.85:
            buf[i:i] = bytes(buf[i : i + rng.randint(1, 100)]) * rng.randint(1, 8)
        else:
            buf[i:i] = rng.randbytes(rng.randint(1, 16))
    if rng.random() < 0.03:
        import gzip

        out = gzip.compress(bytes(buf), mtime=0)
        return out[: rng.randint(10, len(out))] if rng.random() < 0.3 else out
    return bytes(buf)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inputs", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--slow", type=float, default=1.0)
    ap.add_argument("--backends", default="")
    ap.add_argument("--out", default="fuzz-crashes")
    args = ap.parse_args()

    from unboil.extractors.base import ExtractOptions
    from unboil.extractors.errors import SourceError
    from unboil.extractors.htmltree import flatten_deep, page_html, parse_html
    from unboil.extractors.loading import load_bytes
    from unboil.extractors.registry import get

    engines = [get(n) for n in args.backends.split(",") if n]
    rng = random.Random(args.seed)
    pool = seeds()
    refused: Counter[str] = Counter()
    crashes: Counter[str] = Counter()
    slow: Counter[str] = Counter()
    loaded = 0
    start = time.perf_counter()
    for n in range(args.inputs):
        data = mutate(rng, rng.choice(pool))
        t0 = time.perf_counter()
        stage = "load"
        try:
            page = load_bytes(data, "<fuzz>", max_bytes=1 << 20)
            loaded += 1
            stage = "parse"
            parse_html(page.html)
            flatten_deep(page.html)
            page_html(page)
            for engine in engines:
                stage = engine.name
                engine.run(page, ExtractOptions())
        except SourceError as exc:
            refused[exc.cause.split(" (")[0][:40]] += 1
        except Exception as exc:
            key = f"{stage}: {type(exc).__name__}: {str(exc)[:80]}"
            if not crashes[key]:
                out = Path(args.out)
                out.mkdir(exist_ok=True)
                (out / f"crash-{n}.bin").write_bytes(data)
                print(key, file=sys.stderr)
                traceback.print_exc(limit=3)
            crashes[key] += 1
        if time.perf_counter() - t0 > args.slow:
            slow[stage] += 1
    seconds = time.perf_counter() - start
    print(f"inputs tried: {args.inputs} (seed {args.seed}), loaded as pages: {loaded}")
    print(f"refused with a SourceError: {sum(refused.values())}")
    for cause, count in refused.most_common(8):
        print(f"  {count:6}  {cause}")
    print(f"crashes (other exceptions): {sum(crashes.values())} ({len(crashes)} distinct)")
    for key, count in crashes.most_common():
        print(f"  {count:6}  {key}")
    print(f"slower than {args.slow:g}s: {sum(slow.values())} {dict(slow)}")
    print(f"{seconds:.1f}s, {args.inputs / seconds:.0f} inputs/s")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
