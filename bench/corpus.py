"""A deterministic stand-in for real news: feeds, articles, watchlists and queries, no network.

The benchmarks need the shapes that make feed handling slow or fast in practice, so the
generator copies them rather than inventing tidy data:

- feeds of 10–100 entries and 20 KB–1 MB (log-uniform, median ≈ 140 KB), RSS 2.0 and
  Atom; some with short summaries, most with the HTML a CMS emits: paragraphs, links
  (many relative, so URI resolving has work), images with srcset, figures, lists,
  quotes, embedded tweets (<script>) and videos (<iframe>), inline styles, entities;
  WordPress-style `content:encoded` in CDATA, escaped `description`s, Atom `html` and
  `xhtml` content, Media RSS, Dublin Core; a few ISO-8859-1 feeds and a few malformed
  ones (an unescaped `&`, which sends feedparser to its slow loose parser, as real
  feeds do now and then);
- text drawn from a Zipf–Mandelbrot vocabulary: English function words at the top,
  news words and AI/security terms in the middle, ~40,000 generated words in the long
  tail. Each article has a topic whose words and phrases are mixed in, so watchlists
  like `"prompt injection" OR jailbreak` match a realistic share of stories;
- 50 (or 1,000) watchlists in the query language, and 200 mixed search queries.

Everything is a pure function of its seed: the same call gives the same bytes on every
machine (the vocabulary is built here, not read from the system's dictionary).
"""

from __future__ import annotations

import hashlib
import itertools
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from pathlib import Path

SEED = 20250301
BASE_TIME = datetime(2025, 3, 1, 6, 0, tzinfo=timezone.utc)
MIN_FEED_BYTES = 20 * 1024
MAX_FEED_BYTES = 1024 * 1024

# ---------------------------------------------------------------------------------------
# Vocabulary, most frequent first
# ---------------------------------------------------------------------------------------
FUNCTION_WORDS = """
the of and to a in that is for on was with he it as at by said his from be have are has
but not an they this had were which been its or who would will their more after new one
two also up about than her over into out could other year there first last people some
what when can we all she no if government time told them i while says years only just
like before our three against because most during so may since under last between where
those before many such any how him state made well back much through still off should
do then being week including even four now did these former make says get both world
""".split()

NEWS_WORDS = """
company percent million billion market president minister police court officials country
group report city party election national public police month business day news team
family service company deal workers price shares investors bank economy growth trade
plan health school women children war military forces attack talks support law home
prime leader foreign security official statement minister chief executive months days
water energy oil gas power climate weather storm fire flood island border region
province capital village town street hospital patients doctors vaccine virus disease
research study university students scientists data information record records system
software technology internet online digital phone mobile app apps users platform social
media network networks service services customers product products launch sales revenue
profit losses quarter earnings stock stocks index rate rates inflation interest dollar
euro yen yuan currency exports imports tariffs sanctions agreement treaty summit talks
parliament senate congress lawmakers bill vote votes voters campaign candidate candidates
opposition coalition protest protesters rally strike union unions court judge ruling
case trial lawyers charges arrested prison sentence investigation probe inquiry agency
department ministry regulator regulators commission authority authorities board council
committee director spokesperson spokesman spokeswoman analyst analysts expert experts
source sources document documents letter interview speech conference meeting visit
trip travel flight flights airline airport passengers ship shipping port cargo supply
chain chains factory factories plant production output manufacturing industry sector
firms firm startup startups venture funding capital investment investors fund funds
chip chips semiconductor semiconductors device devices computer computers cloud server
servers center centre centres infrastructure grid satellite space rocket launch mission
car cars electric vehicle vehicles battery batteries mining metals steel copper gold
food prices farmers crops wheat rice drought heat wave temperatures emissions carbon
""".split()

AI_SECURITY_WORDS = """
AI artificial intelligence model models LLM LLMs chatbot chatbots generative GenAI
machine learning neural training inference GPU GPUs OpenAI Anthropic DeepMind Gemini
ChatGPT Claude Llama Mistral transformer agents agent autonomous robotics automation
deepfake deepfakes synthetic voice cloning image video detection watermark watermarking
security cybersecurity cyber attack attacks attackers hacker hackers hacking breach
breaches leak leaked vulnerability vulnerabilities exploit exploits exploited patch
patched zero-day CVE malware ransomware phishing spyware botnet backdoor trojan
espionage intrusion intrusions threat threats actor actors nation-state APT campaign
jailbreak jailbreaks prompt injection poisoning adversarial theft extraction weights
red-team red-teaming alignment safety guardrails misuse disinformation misinformation
surveillance privacy encryption authentication credentials passwords stolen exposure
regulation regulations regulator policy policies legislation ban export controls
compliance audit governance oversight framework standards copyright lawsuit licensing
""".split()

# Topics: (name, weight, words, phrases). About a fifth of all stories are on AI or security.
TOPICS: list[tuple[str, float, list[str], list[str]]] = [
    ("ai-security", 3.0, "AI model security attack jailbreak vulnerability hackers LLM chatbot exploit".split(),
     ["prompt injection", "AI security", "large language model", "data poisoning", "model theft",
      "adversarial attack", "generative AI", "red teaming"]),
    ("ai-policy", 2.5, "AI regulation policy law ban export government lawmakers compliance".split(),
     ["artificial intelligence", "AI Act", "export controls", "executive order", "AI safety",
      "machine learning", "generative AI"]),
    ("deepfakes", 1.2, "deepfake deepfakes voice cloning video election fraud detection".split(),
     ["voice cloning", "deepfake video", "synthetic media", "election fraud"]),
    ("ransomware", 1.5, "ransomware attack hackers breach hospital data stolen extortion".split(),
     ["ransomware attack", "data breach", "threat actor", "double extortion"]),
    ("espionage", 1.0, "espionage hackers state intrusion networks telecom spying".split(),
     ["nation-state hackers", "cyber espionage", "supply chain", "zero-day vulnerability"]),
    ("chips", 1.5, "chips semiconductor export GPUs Nvidia factory supply".split(),
     ["export controls", "chip exports", "supply chain", "AI chips"]),
    ("china-travel", 0.6, "China travel executives authorities security researchers".split(),
     ["AI leaders", "travel restrictions", "national security"]),
    ("markets", 6.0, "stocks shares investors index market earnings rates".split(),
     ["interest rates", "central bank", "stock market", "quarterly earnings"]),
    ("politics", 7.0, "election parliament vote party minister campaign opposition".split(),
     ["prime minister", "general election", "ruling party", "opposition leader"]),
    ("world", 6.0, "war talks border military forces ceasefire summit".split(),
     ["peace talks", "foreign minister", "security council", "united nations"]),
    ("climate", 3.0, "climate emissions carbon heat storm flood drought".split(),
     ["climate change", "heat wave", "carbon emissions", "renewable energy"]),
    ("health", 3.0, "health hospital patients vaccine virus doctors disease".split(),
     ["public health", "clinical trial", "health ministry"]),
    ("sports", 5.0, "match team season league coach players final".split(),
     ["world cup", "champions league", "grand slam"]),
    ("tech", 4.0, "software app users platform phone cloud startup".split(),
     ["social media", "cloud computing", "smartphone sales", "app store"]),
    ("energy", 2.5, "oil gas energy power grid prices supply".split(),
     ["oil prices", "power grid", "natural gas"]),
    ("courts", 2.5, "court judge ruling trial lawsuit charges appeal".split(),
     ["supreme court", "class action", "plea deal"]),
    ("business", 5.0, "company deal revenue profit merger shares firm".split(),
     ["chief executive", "annual revenue", "hostile takeover"]),
]

_SYLLABLES_A = "b br c ch cl d dr f fl g gr h j k kr l m n p pl pr qu r s sh sk st t th tr v w z".split()
_SYLLABLES_V = "a e i o u ai ea ia io ou".split()
_SYLLABLES_C = "n r l s t m nd rk st ck th ng x".split() + [""] * 6


def _pseudo_words(n: int, rng: random.Random) -> list[str]:
    """`n` distinct pronounceable made-up words (names, rare terms) for the vocabulary's long tail."""
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        w = "".join(rng.choice(_SYLLABLES_A) + rng.choice(_SYLLABLES_V) for _ in range(rng.choice((1, 2, 2, 3))))
        w += rng.choice(_SYLLABLES_C)
        if len(w) >= 4 and w not in seen:
            seen.add(w)
            out.append(w.capitalize() if rng.random() < 0.3 else w)
    return out


@dataclass(frozen=True)
class Vocabulary:
    words: list[str]
    cum_weights: list[float]
    content_start: int  # index of the first word that is not a function word

    def draw(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cum_weights, k=k)

    def content_word(self, rng: random.Random) -> str:
        """A word someone would search for: Zipf-drawn, function words excluded."""
        while True:
            i = _bisect(self.cum_weights, rng.random() * self.cum_weights[-1])
            if i >= self.content_start:
                return self.words[i]


def _bisect(a: list[float], x: float) -> int:
    lo, hi = 0, len(a)
    while lo < hi:
        mid = (lo + hi) // 2
        if a[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def vocabulary(tail: int = 40_000, seed: int = SEED) -> Vocabulary:
    """Ranked words with Zipf–Mandelbrot weights 1/(rank+2.7)^1.05.

    AI/security terms are interleaved among the news words (ranks ~150–1,000), where
    a specialised vocabulary sits in general news text.
    """
    rng = random.Random(seed)
    ranked = list(dict.fromkeys(FUNCTION_WORDS))
    news = [w for w in dict.fromkeys(NEWS_WORDS) if w not in ranked]
    ai = [w for w in dict.fromkeys(AI_SECURITY_WORDS) if w not in ranked and w not in news]
    content_start = len(ranked)
    mixed: list[str] = []
    ai_iter = iter(ai)
    for i, w in enumerate(news):
        mixed.append(w)
        if i % 2 == 1:
            nxt = next(ai_iter, None)
            if nxt:
                mixed.append(nxt)
    mixed.extend(ai_iter)
    ranked += mixed
    known = {w.lower() for w in ranked}
    ranked += [w for w in _pseudo_words(tail, rng) if w.lower() not in known]
    weights = [1.0 / (r + 2.7) ** 1.05 for r in range(len(ranked))]
    return Vocabulary(ranked, list(itertools.accumulate(weights)), content_start)


_VOCAB: Vocabulary | None = None


def vocab() -> Vocabulary:
    global _VOCAB
    if _VOCAB is None:
        _VOCAB = vocabulary()
    return _VOCAB


_TOPIC_CUM = list(itertools.accumulate(t[1] for t in TOPICS))


def pick_topic(rng: random.Random) -> tuple[str, float, list[str], list[str]]:
    return rng.choices(TOPICS, cum_weights=_TOPIC_CUM, k=1)[0]


def words(rng: random.Random, n: int, topic, *, density: float = 0.12) -> list[str]:
    """`n` Zipf-drawn words with about `density` of them from the topic (some as phrases)."""
    out = vocab().draw(rng, n)
    _, _, topic_words, phrases = topic
    for _ in range(max(1, int(n * density))):
        i = rng.randrange(n)
        out[i] = rng.choice(phrases) if rng.random() < 0.35 else rng.choice(topic_words)
    return out


def sentences(rng: random.Random, n_words: int, topic) -> str:
    """Text of about `n_words` words cut into sentences, with the punctuation news copy has."""
    ws = words(rng, n_words, topic)
    out: list[str] = []
    i = 0
    while i < len(ws):
        k = rng.randint(9, 26)
        chunk = ws[i : i + k]
        i += k
        chunk[0] = chunk[0][:1].upper() + chunk[0][1:]
        if len(chunk) > 6 and rng.random() < 0.35:
            j = rng.randrange(2, len(chunk) - 2)
            chunk[j] += ","
        if rng.random() < 0.08:
            chunk[-1] = f"“{chunk[-1]}”"
        if rng.random() < 0.05 and len(chunk) > 3:
            chunk[1] = chunk[1] + " —"
        out.append(" ".join(chunk) + rng.choice(".....?"))
    return " ".join(out)


def headline(rng: random.Random, topic) -> str:
    ws = words(rng, rng.randint(6, 14), topic, density=0.25)
    ws[0] = ws[0][:1].upper() + ws[0][1:]
    if rng.random() < 0.1:
        ws.insert(rng.randrange(1, len(ws)), "’s" if rng.random() < 0.5 else "&")
    return " ".join(ws).replace(" ’s", "’s")


# ---------------------------------------------------------------------------------------
# Feeds
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FeedDoc:
    path: str  # e.g. "/feeds/017-rss.xml"
    name: str
    content: bytes
    content_type: str
    kind: str  # "rss" | "atom"
    entries: int
    etag: str
    last_modified: str


_SECTIONS = "world business technology politics security science markets health climate sports".split()
_CSS = ["wp-block-image size-large", "article-body__para", "c-entry-content", "story-text", "rich-text"]


def _slug(text: str) -> str:
    return "-".join("".join(c for c in w.lower() if c.isalnum()) for w in text.split()[:8]).strip("-") or "story"


def _inline(rng: random.Random, text: str, host: str) -> str:
    """Sprinkle a paragraph's words with links (relative and absolute), emphasis and entities."""
    ws = escape(text, quote=False).split(" ")
    for _ in range(rng.randint(0, 3)):
        i = rng.randrange(len(ws))
        j = min(len(ws), i + rng.randint(1, 4))
        phrase = " ".join(ws[i:j])
        r = rng.random()
        if r < 0.45:
            href = f"/tag/{_slug(phrase)}/" if rng.random() < 0.6 else f"https://{host}/{rng.choice(_SECTIONS)}/{_slug(phrase)}"
            rel = ' rel="noopener noreferrer" target="_blank"' if rng.random() < 0.3 else ""
            ws[i:j] = [f'<a href="{href}"{rel}>{phrase}</a>']
        elif r < 0.7:
            ws[i:j] = [f"<strong>{phrase}</strong>"]
        elif r < 0.9:
            ws[i:j] = [f"<em>{phrase}</em>"]
        else:
            ws[i:j] = [f'<span class="highlight" style="font-weight:600;color:#c00">{phrase}</span>']
    return " ".join(ws).replace("’", "&#8217;" if rng.random() < 0.5 else "’")


def _figure(rng: random.Random, host: str, n: int) -> str:
    name = f"{rng.getrandbits(40):010x}"
    src = f"https://cdn.{host}/images/2025/02/{name}.jpg"
    srcset = ", ".join(f"https://cdn.{host}/images/2025/02/{name}-{w}w.jpg {w}w" for w in (320, 640, 1024, 1600))
    caption = escape(sentences(rng, rng.randint(8, 20), pick_topic(rng)))
    return (
        f'<figure class="wp-block-image size-large"><img loading="lazy" decoding="async" width="1024" height="576" '
        f'src="{src}" srcset="{srcset}" sizes="(max-width: 1024px) 100vw, 1024px" alt="Photo {n}" '
        f'class="wp-image-{rng.randint(10000, 999999)}"/><figcaption>{caption} '
        f'<span class="credit">Photo: Staff/{escape(host)}</span></figcaption></figure>'
    )


def _embed(rng: random.Random) -> str:
    if rng.random() < 0.5:
        tid = rng.getrandbits(60)
        return (
            '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Breaking: more details soon '
            f'<a href="https://t.co/{tid:x}">pic.twitter.com/{tid:x}</a></p>&mdash; Newsroom (@newsroom) '
            f'<a href="https://twitter.com/newsroom/status/{tid}">March 1, 2025</a></blockquote>'
            '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>'
        )
    vid = f"{rng.getrandbits(50):x}"
    return (
        f'<div class="video-embed" style="position:relative;padding-bottom:56.25%"><iframe width="560" height="315" '
        f'src="https://www.youtube.com/embed/{vid}" title="Video" frameborder="0" allow="accelerometer; autoplay; '
        'clipboard-write; encrypted-media" allowfullscreen></iframe></div>'
    )


def article_html(rng: random.Random, topic, host: str, budget: int, *, xhtml: bool = False) -> str:
    """A CMS-style article body of about `budget` bytes."""
    parts: list[str] = []
    size = 0
    css = rng.choice(_CSS)
    n = 0
    while size < budget:
        n += 1
        r = rng.random()
        if r < 0.68 or n == 1:
            block = f'<p class="{css}">{_inline(rng, sentences(rng, rng.randint(25, 90), topic), host)}</p>'
        elif r < 0.78:
            block = _figure(rng, host, n)
        elif r < 0.85:
            items = "".join(f"<li>{_inline(rng, sentences(rng, rng.randint(6, 18), topic), host)}</li>" for _ in range(rng.randint(2, 6)))
            block = f"<ul>{items}</ul>"
        elif r < 0.91:
            block = f"<h2>{escape(headline(rng, topic))}</h2>"
        elif r < 0.96:
            block = f"<blockquote><p>{escape(sentences(rng, rng.randint(15, 40), topic))}</p></blockquote>"
        elif not xhtml:
            block = _embed(rng)
        else:
            block = "<hr/>"
        parts.append(block)
        size += len(block)
    if not xhtml and rng.random() < 0.5:
        parts.append(
            f'<p>The post <a href="/{rng.choice(_SECTIONS)}/">{escape(headline(rng, topic))}</a> appeared first on '
            f'<a href="https://{host}">{escape(host)}</a>.</p>'
            f'<img src="https://{host}/pixel.gif?post={rng.randint(1, 10**6)}" width="1" height="1" alt=""/>'
        )
    return "".join(parts)


def _summary_html(rng: random.Random, topic, host: str) -> str:
    paras = [f"<p>{_inline(rng, sentences(rng, rng.randint(30, 80), topic), host)}</p>" for _ in range(rng.randint(1, 2))]
    if rng.random() < 0.4:
        paras.insert(0, _figure(rng, host, 0))
    return "".join(paras)


def _cdata(s: str) -> str:
    return "<![CDATA[" + s.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@dataclass
class _Entry:
    title: str
    link: str
    guid: str
    published: datetime
    author: str
    categories: list[str]
    summary: str  # HTML
    content: str | None  # HTML, full article
    image: str


def _entries(rng: random.Random, host: str, count: int, budget: int, full: bool, feed_no: int, xhtml: bool) -> list[_Entry]:
    out = []
    when = BASE_TIME - timedelta(minutes=rng.randint(0, 600))
    for i in range(count):
        topic = pick_topic(rng)
        title = headline(rng, topic)
        section = rng.choice(_SECTIONS)
        when -= timedelta(minutes=rng.randint(5, 240))
        slug = _slug(title)
        link = f"https://{host}/{section}/{when:%Y/%m/%d}/{slug}-{feed_no}-{i}/"
        if rng.random() < 0.2:
            link += "?utm_source=rss&utm_medium=feed&utm_campaign=" + section
        guid = link if rng.random() < 0.5 else f"https://{host}/?p={rng.randint(10**5, 10**7)}"
        content = article_html(rng, topic, host, budget, xhtml=xhtml) if full else None
        summary = _summary_html(rng, topic, host) if (not full or rng.random() < 0.7) else ""
        out.append(_Entry(
            title=title, link=link, guid=guid, published=when,
            author=rng.choice(["Staff", "Reuters", "AP", "Newsroom"]) + (f" {rng.choice(vocab().words[2000:3000]).capitalize()}" if rng.random() < 0.5 else ""),
            categories=[rng.choice(topic[2]) for _ in range(rng.randint(1, 5))],
            summary=summary, content=content,
            image=f"https://cdn.{host}/images/{rng.getrandbits(40):010x}.jpg",
        ))
    return out


def _rss(name: str, host: str, entries: list[_Entry], rng: random.Random, encoding: str, broken: bool) -> str:
    lines = [
        f'<?xml version="1.0" encoding="{encoding}"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:media="http://search.yahoo.com/mrss/" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" '
        'xmlns:slash="http://purl.org/rss/1.0/modules/slash/">',
        "<channel>",
        f"<title>{escape(name)}</title>",
        f'<atom:link href="https://{host}/feed/" rel="self" type="application/rss+xml"/>',
        f"<link>https://{host}/</link>",
        f"<description>Latest news from {escape(name)}</description>",
        f"<lastBuildDate>{format_datetime(BASE_TIME)}</lastBuildDate>",
        "<language>en-US</language><sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>1</sy:updateFrequency>",
        "<generator>https://wordpress.org/?v=6.4.3</generator>",
        f"<image><url>https://{host}/logo.png</url><title>{escape(name)}</title><link>https://{host}/</link></image>",
    ]
    for n, e in enumerate(entries):
        title = escape(e.title, quote=False)
        if broken and n == len(entries) // 2:
            title = title.replace("&amp;", "&") + " & more"  # the unescaped ampersand real feeds ship
        lines.append("<item>")
        lines.append(f"<title>{title}</title>")
        lines.append(f"<link>{escape(e.link)}</link>")
        permalink = "true" if e.guid == e.link else "false"
        lines.append(f'<guid isPermaLink="{permalink}">{escape(e.guid)}</guid>')
        lines.append(f"<pubDate>{format_datetime(e.published)}</pubDate>")
        lines.append(f"<dc:creator>{_cdata(e.author)}</dc:creator>")
        lines.extend(f"<category>{_cdata(c)}</category>" for c in e.categories)
        if e.summary:
            desc = _cdata(e.summary) if rng.random() < 0.5 else escape(e.summary, quote=False)
            lines.append(f"<description>{desc}</description>")
        if e.content:
            lines.append(f"<content:encoded>{_cdata(e.content)}</content:encoded>")
            lines.append(f"<slash:comments>{rng.randint(0, 40)}</slash:comments>")
        lines.append(f'<media:content url="{e.image}" medium="image" width="1024" height="576"/>')
        lines.append("</item>")
    lines += ["</channel>", "</rss>"]
    return "\n".join(lines)


def _atom(name: str, host: str, entries: list[_Entry], rng: random.Random, xhtml: bool, broken: bool) -> str:
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" xml:lang="en">',
        f"<title>{escape(name)}</title>",
        f"<subtitle>Latest from {escape(name)}</subtitle>",
        f'<link rel="alternate" type="text/html" href="https://{host}/"/>',
        f'<link rel="self" type="application/atom+xml" href="https://{host}/feed.atom"/>',
        f"<id>tag:{host},2025:feed</id>",
        f"<updated>{BASE_TIME.isoformat().replace('+00:00', 'Z')}</updated>",
    ]
    for n, e in enumerate(entries):
        title = escape(e.title, quote=False)
        if broken and n == len(entries) // 2:
            title = title.replace("&amp;", "&") + " & more"
        stamp = e.published.isoformat().replace("+00:00", "Z")
        lines.append("<entry>")
        lines.append(f'<title type="html">{title}</title>' if rng.random() < 0.5 else f"<title>{title}</title>")
        lines.append(f'<link rel="alternate" type="text/html" href="{escape(e.link)}"/>')
        lines.append(f"<id>tag:{host},{e.published:%Y-%m-%d}:{_slug(e.title)[:40]}-{n}</id>")
        lines.append(f"<published>{stamp}</published><updated>{stamp}</updated>")
        lines.append(f"<author><name>{escape(e.author)}</name></author>")
        lines.extend(f'<category term="{escape(c)}"/>' for c in e.categories)
        if e.summary:
            lines.append(f'<summary type="html">{escape(e.summary, quote=False)}</summary>')
        if e.content:
            if xhtml:
                lines.append(f'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">{e.content}</div></content>')
            else:
                lines.append(f'<content type="html">{escape(e.content, quote=False)}</content>')
        lines.append(f'<media:thumbnail url="{e.image}" width="640" height="360"/>')
        lines.append("</entry>")
    lines.append("</feed>")
    return "\n".join(lines)


def _outlet_name(rng: random.Random, i: int) -> tuple[str, str]:
    w = vocab().words
    a = rng.choice(w[3000:20000]).capitalize()
    kind = rng.choice(["Times", "Post", "Herald", "Daily", "Wire", "Tech", "Security Week", "Ledger", "Observer",
                       "Tribune", "News", "Review", "Journal", "Insider", "Register"])
    host = f"{a.lower()}{kind.lower().replace(' ', '')}{i}.example"
    return f"The {a} {kind}", host


def build_feeds(n: int = 200, seed: int = SEED) -> list[FeedDoc]:
    """`n` feed documents (bytes as served), deterministic for a seed."""
    rng = random.Random(seed)
    docs: list[FeedDoc] = []
    for i in range(n):
        frng = random.Random(rng.getrandbits(64))
        name, host = _outlet_name(frng, i)
        # log-uniform in 20 KB–1 MB, with a margin for the estimate of an entry's size
        lo, hi = MIN_FEED_BYTES * 1.25, MAX_FEED_BYTES * 0.92
        target = int(lo * (hi / lo) ** frng.random())
        atom = frng.random() < 0.35
        # Full-content feeds (WordPress, Substack, Ghost) make the large end of the range.
        full = target > 60 * 1024 and frng.random() < 0.85
        count = frng.choice([10, 15, 20, 20, 25, 30, 30, 40, 50, 50, 60, 75, 100])
        per_entry = 1800 if not full else max(1500, target // count - 1800)
        if not full:
            count = max(10, min(100, target // per_entry))
        elif per_entry > 60_000:
            count = max(10, min(100, target // 60_000))
            per_entry = target // count - 1800
        broken = frng.random() < 0.03
        latin = (not atom) and frng.random() < 0.05
        xhtml = atom and full and frng.random() < 0.25
        entries = _entries(frng, host, count, per_entry, full, i, xhtml)
        if atom:
            text = _atom(name, host, entries, frng, xhtml, broken)
            encoding, ctype = "utf-8", "application/atom+xml; charset=utf-8"
        else:
            encoding = "iso-8859-1" if latin else "utf-8"
            text = _rss(name, host, entries, frng, encoding, broken)
            r = frng.random()
            ctype = (f"application/rss+xml; charset={encoding}" if r < 0.6 else f"text/xml; charset={encoding}"
                     if r < 0.85 else "application/xml" if r < 0.95 else "text/xml")
        content = text.encode(encoding, errors="xmlcharrefreplace")
        docs.append(FeedDoc(
            path=f"/feeds/{i:03d}-{'atom' if atom else 'rss'}.xml",
            name=name,
            content=content,
            content_type=ctype,
            kind="atom" if atom else "rss",
            entries=count,
            etag='"' + hashlib.sha1(content).hexdigest()[:20] + '"',
            last_modified=format_datetime(BASE_TIME, usegmt=True),
        ))
    return docs


def write_feeds(docs: list[FeedDoc], directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for d in docs:
        (directory / d.path.rsplit("/", 1)[-1]).write_bytes(d.content)


def describe(docs: list[FeedDoc]) -> str:
    sizes = sorted(len(d.content) for d in docs)
    total = sum(sizes)
    entries = sum(d.entries for d in docs)
    kinds = {k: sum(1 for d in docs if d.kind == k) for k in ("rss", "atom")}
    return (
        f"{len(docs)} feeds ({kinds['rss']} RSS 2.0, {kinds['atom']} Atom), {entries} entries, "
        f"{total / 1e6:.1f} MB; sizes min {sizes[0] / 1024:.0f} KB, median {sizes[len(sizes) // 2] / 1024:.0f} KB, "
        f"max {sizes[-1] / 1024:.0f} KB"
    )


# ---------------------------------------------------------------------------------------
# Watchlists and queries
# ---------------------------------------------------------------------------------------
_AI_TERMS = ['AI', '"artificial intelligence"', 'LLM', '"large language model"', '"machine learning"', "chatbot*",
             "deepfake*", '"generative AI"', "GenAI"]
_SEC_TERMS = ["security", "cybersecurity", "attack*", "vulnerabilit*", "hacker*", "breach", "malware", "espionage",
              "jailbreak", '"prompt injection"', "phishing", "ransomware", "exploit*", "zero-day", "backdoor"]
_POLICY_TERMS = ["regulation", "regulator*", "policy", "law", "legislation", "ban", "export", "sanctions",
                 "government", "congress", '"executive order"', '"export controls"', "compliance"]


def watchlists(n: int = 50, seed: int = SEED) -> list[tuple[str, str]]:
    """`n` (name, query) watchlists: the three defaults, then generated ones of every query shape."""
    from bot.watchlists import DEFAULT_WATCHLISTS

    rng = random.Random(seed + 1)
    v = vocab()
    out = list(DEFAULT_WATCHLISTS.items())[:n]
    topics = TOPICS
    i = 0
    while len(out) < n:
        i += 1
        shape = i % 8
        topic = topics[rng.randrange(len(topics))]
        tw = topic[2]
        phr = ['"' + p + '"' for p in topic[3]]
        if shape == 0:
            q = f"({' OR '.join(rng.sample(_AI_TERMS, 3))}) ({' OR '.join(rng.sample(_SEC_TERMS, 4))})"
        elif shape == 1:
            q = " OR ".join(rng.sample(phr, min(3, len(phr))))
        elif shape == 2:
            q = f"{rng.choice(tw)} {rng.choice(tw)} -{v.content_word(rng)}"
        elif shape == 3:
            q = f"{rng.choice(_AI_TERMS)} ({' OR '.join(rng.sample(_POLICY_TERMS, 3))})"
        elif shape == 4:
            q = f"{rng.choice(phr)} {rng.choice(tw)}"
        elif shape == 5:
            q = f"{rng.choice(tw)[:5].rstrip()}* ({rng.choice(tw)} OR {v.content_word(rng)})"
        elif shape == 6:
            q = f"{rng.choice(_SEC_TERMS)} NOT ({v.content_word(rng)} OR {v.content_word(rng)})"
        else:
            q = f"{v.content_word(rng)} {rng.choice(tw)}"
        out.append((f"wl-{len(out):04d}-{topic[0]}", q))
    return out


def queries(n: int = 200, seed: int = SEED) -> list[tuple[str, str]]:
    """`n` (kind, query) search queries, as many of each kind: one word, two words, phrase, OR, NOT, prefix.

    Words are what people type: Zipf-drawn content words (no function words), plus
    the AI/security terms the bot is for; phrases are the topic phrases that occur.
    """
    rng = random.Random(seed + 2)
    v = vocab()
    phrases = [p for t in TOPICS for p in t[3]]
    topical = [w for t in TOPICS for w in t[2]]

    def word() -> str:
        return rng.choice(topical) if rng.random() < 0.35 else v.content_word(rng)

    kinds = ["one word", "two words", "phrase", "OR", "NOT", "prefix"]
    out = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        if kind == "one word":
            q = word()
        elif kind == "two words":
            q = f"{word()} {word()}"
        elif kind == "phrase":
            q = f'"{rng.choice(phrases)}"'
        elif kind == "OR":
            q = f"{word()} OR {word()}" if rng.random() < 0.6 else f'"{rng.choice(phrases)}" OR {word()}'
        elif kind == "NOT":
            q = f"{word()} -{word()}"
        else:
            w = word()
            q = f"{w[: max(3, len(w) - 2)]}*"
        out.append((kind, q))
    return out


# ---------------------------------------------------------------------------------------
# Articles for the search database
# ---------------------------------------------------------------------------------------
def article_rows(start: int, count: int, seed: int = SEED, *, now: int | None = None):
    """Rows (dedupe_key, url, title, summary, source, published) for articles start..start+count.

    Summaries are what the poller stores: plain text of 20–300 words (≤ 2,000 chars).
    Chunks with different `start` are independent, so builds can run in parallel.
    """
    rng = random.Random(seed * 1_000_003 + start)
    now = now or int(BASE_TIME.timestamp())
    sources = [f"Source {k}" for k in range(300)]
    for i in range(start, start + count):
        topic = pick_topic(rng)
        title = headline(rng, topic)
        summary = sentences(rng, int(20 + 280 * rng.random() ** 2), topic)
        if len(summary) > 2000:
            summary = summary[:1999].rsplit(" ", 1)[0] + "…"
        url = f"https://news{i % 997}.example/{i}"
        yield ("url:" + url, url, title, summary, sources[i % 300], now - rng.randint(0, 730 * 86400))
