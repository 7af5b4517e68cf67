"""Language detection: accuracy and speed of py3langid (what bot/language.py uses) and, when it
is installed, lingua, on the labelled headlines and leads of tests/support/language_samples.py
and on the bundled sample feeds' articles.

    .venv/bin/python bench/language.py            # pip install lingua-language-detector to compare

Both detectors are restricted to bot.language.LANGUAGES. Prints, per detector: load time,
right answers, microseconds per text.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.language import LANGUAGES, UNDETERMINED, detect  # noqa: E402
from tests.support.language_samples import LABELLED, TITLES, UNDECIDABLE  # noqa: E402


def measure(name: str, fn, sets) -> None:
    for label, data in sets:
        started = time.perf_counter()
        wrong = [(lang, got, text[:40]) for lang, text in data if (got := fn(text)) != lang]
        per = (time.perf_counter() - started) / len(data) * 1e6
        print(f"  {name:9} {label:9} {len(data) - len(wrong):3}/{len(data)} right, {per:6.0f} µs/text", wrong[:4])


def sample_articles() -> list[str]:
    from bot.feeds.parse import parse_feed
    from bot.feeds.samples import sample_feeds
    from bot.lead import lead_of

    out = []
    for s in sample_feeds():
        for a in parse_feed(s.content, s.headers, feed_url=s.url, source=s.title, fetched_at=datetime.now(timezone.utc)).articles:
            out.append(f"{a.title}. {lead_of(a.summary)}")
    return out


def main() -> None:
    sets = [("labelled", LABELLED), ("titles", TITLES), ("und", [(UNDETERMINED, t) for t in UNDECIDABLE])]
    started = time.perf_counter()
    detect("warm up")
    print(f"py3langid: loaded in {time.perf_counter() - started:.2f} s")
    measure("py3langid", detect, sets)
    samples = sample_articles()
    counts: dict[str, int] = {}
    for text in samples:
        code = detect(text)
        counts[code] = counts.get(code, 0) + 1
    print(f"  bundled samples: {len(samples)} articles → {dict(sorted(counts.items()))}")
    try:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
    except ImportError:
        print("lingua: not installed (pip install lingua-language-detector)")
        return
    started = time.perf_counter()
    langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper()))
             for c in LANGUAGES if c not in (UNDETERMINED, "no")]
    det = LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()
    print(f"lingua: loaded in {time.perf_counter() - started:.2f} s")

    def lingua(text: str) -> str:
        r = det.detect_language_of(text) if text.strip() else None
        return r.iso_code_639_1.name.lower() if r else UNDETERMINED

    measure("lingua", lingua, sets)


if __name__ == "__main__":
    main()
