"""Story clustering on realistic pairs: the same story from two outlets merges, two stories
about the same company do not."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.digest.cluster import SameStory, cluster, link_key, same_story, title_words
from tests.support.digest_helpers import T0, WIRE_LEDE, cand

MERGE = [
    pytest.param(
        cand("China tells its AI leaders to avoid US travel over security concerns, WSJ reports", "Reuters",
             summary=WIRE_LEDE),
        cand("China tells its AI leaders to avoid US travel over security concerns: report", "Dawn",
             hours=3, summary=WIRE_LEDE + " The authorities are concerned about leaks."),
        id="reuters-republished-by-dawn",
    ),
    pytest.param(
        cand("US and China to hold talks on AI risks and security", "AP"),
        cand("US and China to hold talks on AI risks and security - ABC News", "ABC News", hours=1),
        id="outlet-suffix",
    ),
    pytest.param(
        cand("White House to meet AI firms", "Reuters",
             url="https://www.reuters.com/technology/ai/white-house-ai-2025-03-01/?utm_source=twitter&utm_medium=social"),
        cand("Biden officials summon chatbot makers", "Reuters via Yahoo",
             url="http://reuters.com/technology/ai/white-house-ai-2025-03-01#comments", hours=30),
        id="same-canonical-link",
    ),
    pytest.param(
        cand("China tells its AI leaders to avoid US travel, WSJ reports", "Reuters", summary=WIRE_LEDE),
        cand("Chinese AI leaders told to avoid US travel over security concerns", "Dawn", hours=5,
             summary=WIRE_LEDE),
        id="reworded-headline-same-wire-copy",
    ),
    pytest.param(
        cand("OpenAI’s new model can be jailbroken in minutes, researchers say", "The Register"),
        cand("OpenAI's new model can be jailbroken in minutes, researchers say", "Yahoo News", hours=2),
        id="typographic-apostrophe",
    ),
]

APART = [
    pytest.param(
        cand("Microsoft patches Copilot flaw that let attackers steal data", "BleepingComputer"),
        cand("Microsoft sues hackers who abused Azure OpenAI service", "The Verge", hours=2),
        id="same-company-different-stories",
    ),
    pytest.param(
        cand("Google fixes Gemini flaw that leaked private user data to attackers", "Reuters"),
        cand("Google fixes Chrome flaw that leaked private user data to attackers", "AP", hours=1),
        id="one-name-differs",
    ),
    pytest.param(
        cand("CVE-2025-1234 in LangChain lets attackers run code remotely", "SecurityWeek"),
        cand("CVE-2025-5678 in LangChain lets attackers run code remotely", "SecurityWeek", hours=20),
        id="different-cve-numbers",
    ),
    pytest.param(
        cand("OpenAI bans accounts linked to Chinese influence operations", "Reuters"),
        cand("OpenAI bans accounts linked to North Korean hackers", "Reuters", hours=30),
        id="same-company-same-verb",
    ),
    pytest.param(
        cand("This week in AI security: prompt injection and model theft", "Import AI"),
        cand("This week in AI security: prompt injection and model theft", "Import AI",
             published=T0 - timedelta(days=7)),
        id="recurring-title-a-week-apart",
    ),
    pytest.param(
        cand("AI security roundup", "Dark Reading", summary="Deepfake phishing hits banks."),
        cand("AI security roundup", "CSO Online", hours=1, summary="Model theft at a chip maker."),
        id="short-generic-titles",
    ),
]


# The kinds of the labelled set (bench/cluster/), written afresh: one event told by outlets
# in their own words; and the look-alikes that are two events.
NUCLEAR_WIRE = cand(
    "U.S. releases new details on alleged secret Chinese nuclear test", "Reuters", hours=20,
    summary="WASHINGTON, March 2 (Reuters) - The United States on Monday released satellite imagery it says "
            "shows China carried out a low-yield nuclear explosive test at its Lop Nur site last year, "
            "an accusation Beijing has denied.")
NUCLEAR_POST = cand(
    "Pentagon says China secretly detonated a nuclear device at Lop Nur", "The Washington Post", hours=16,
    summary="Defense officials presented imagery of tunnel work and seismic readings from the Lop Nur test "
            "site that they said pointed to a low-yield nuclear explosion in violation of China's moratorium.")
HOSPITAL_AP = cand(
    "Ohio hospital diverts ambulances after cyberattack cripples computer systems", "AP", hours=30,
    summary="DAYTON, Ohio (AP) — Mercy Valley Medical Center in Dayton began diverting ambulances to other "
            "hospitals Tuesday after a cyberattack knocked its electronic health records offline, officials said.")
HOSPITAL_BLEEPING = cand(
    "Mercy Valley Medical Center confirms ransomware behind systemwide outage", "BleepingComputer", hours=22,
    summary="Mercy Valley Medical Center, a 480-bed hospital in Dayton, Ohio, has confirmed that a ransomware "
            "attack caused the IT outage that began late Monday night. No gang has claimed the attack so far.")
HOSPITAL_OTHER = cand(
    "Ransomware attack shuts down systems at Texas children's hospital", "BleepingComputer", hours=8,
    summary="Covenant Children's Hospital in Lubbock, Texas, says it took its network offline after detecting "
            "ransomware on Wednesday evening. Emergency care remains open, but appointments were cancelled.")
CITRIX_BLEEPING = cand(
    "Citrix warns of NetScaler ADC zero-day exploited in attacks", "BleepingComputer", hours=40,
    summary="Citrix has released security updates for a critical NetScaler ADC and Gateway memory overflow "
            "flaw, tracked as CVE-2026-2417, that has been exploited as a zero-day. Admins are urged to patch.")
CITRIX_REGISTER = cand(
    "Another month, another NetScaler hole under active attack", "The Register", hours=33,
    summary="Citrix has confirmed in-the-wild exploitation of CVE-2026-2417, a 9.3-rated memory bug in "
            "NetScaler gear configured as a Gateway. Patch now, and kill those sessions too.")
CITRIX_NEXT = cand(
    "Citrix patches second NetScaler zero-day in a week", "BleepingComputer", hours=4,
    summary="Citrix has released security updates for another critical NetScaler ADC and Gateway flaw, "
            "tracked as CVE-2026-3190, that has been exploited as a zero-day. Admins are urged to patch.")
FINE_META = cand(
    "EU fines Meta 1.4 billion euros for merging user data to train AI", "Reuters", hours=30,
    summary="BRUSSELS, March 4 (Reuters) - The European Commission fined Meta 1.4 billion euros on Wednesday "
            "for combining personal data across its apps to train AI models, in breach of the Digital Markets Act.")
FINE_APPLE = cand(
    "EU fines Apple 900 million euros for blocking rival app stores", "Reuters", hours=6,
    summary="BRUSSELS, March 5 (Reuters) - Apple must pay 900 million euros after EU antitrust regulators found "
            "it stopped developers from steering iPhone users to cheaper offers outside the App Store.")
# Articles of the same days on other subjects: the rarity of a word is judged among them.
DAY = [
    cand("Taiwan says Chinese cyberattacks on government networks hit 3.1 million a day", "Reuters", hours=26,
         summary="Taiwan's government networks faced an average of 3.1 million intrusion attempts a day in 2025, "
                 "most of them from China, the National Security Bureau said on Monday."),
    cand("House votes to ban Chinese AI apps from federal devices", "Politico", hours=12,
         summary="The bill passed 389-21 and would bar executive agencies from using AI tools developed by "
                 "companies in China, Russia or Iran, including DeepSeek."),
    cand("OpenAI launches GPT-5.4 with a 2 million token context window", "The Verge", hours=10,
         summary="OpenAI's newest flagship model is rolling out to ChatGPT subscribers today, with better coding "
                 "and a much longer context window."),
    cand("Google fixes third Chrome zero-day exploited in attacks this year", "BleepingComputer", hours=14,
         summary="Google has released a Chrome security update to fix CVE-2026-2088, a high-severity type "
                 "confusion bug in the V8 JavaScript engine that has an exploit in the wild."),
]


@pytest.mark.parametrize(
    "a,b",
    [
        pytest.param(NUCLEAR_WIRE, NUCLEAR_POST, id="different-headlines-one-event"),
        pytest.param(HOSPITAL_AP, HOSPITAL_BLEEPING, id="victim-named-only-in-one-headline"),
        pytest.param(CITRIX_BLEEPING, CITRIX_REGISTER, id="pun-headline-same-cve"),
    ],
)
def test_one_event_in_other_words_is_one_story(a, b):
    assert same_story(a, b) and same_story(b, a)
    assert same_story(a, b, among=[a, b, *DAY])
    stories = cluster([a, *DAY, b])
    assert len(stories) == len(DAY) + 1
    (story,) = [s for s in stories if len(s.members) == 2]
    assert {m.article_id for m in story.members} == {a.article_id, b.article_id}
    assert [m.source for m in story.also] == [b.source if story.primary is a else a.source]


@pytest.mark.parametrize(
    "a,b",
    [
        pytest.param(HOSPITAL_BLEEPING, HOSPITAL_OTHER, id="same-outlet-same-kind-other-victim"),
        pytest.param(CITRIX_BLEEPING, CITRIX_NEXT, id="same-outlet-same-product-other-cve"),
        pytest.param(FINE_META, FINE_APPLE, id="look-alike-headlines-other-company-and-amount"),
        pytest.param(NUCLEAR_WIRE, DAY[0], id="same-outlet-same-country-other-story"),
    ],
)
def test_look_alikes_of_one_outlet_stay_apart(a, b):
    assert not same_story(a, b) and not same_story(b, a)
    others = [d for d in DAY if d is not b]
    assert not same_story(a, b, among=[a, b, *others])
    assert len(cluster([a, b, *others])) == len(others) + 2


def test_an_article_without_a_cve_cannot_chain_two_advisories():
    vague = cand("Citrix NetScaler ADC zero-day exploited in attacks, patch now", "SecurityWeek", hours=20,
                 summary="Citrix has released security updates for a critical NetScaler ADC and Gateway flaw "
                         "that has been exploited as a zero-day. Admins are urged to patch.")
    among = [CITRIX_BLEEPING, vague, CITRIX_NEXT, *DAY]
    assert same_story(vague, CITRIX_BLEEPING, among=among) and same_story(vague, CITRIX_NEXT, among=among)
    stories = cluster(among)
    for story in stories:
        assert not {CITRIX_BLEEPING.article_id, CITRIX_NEXT.article_id} <= set(story.article_ids)


def test_a_whole_day_of_one_event_is_one_story_with_each_outlet_once():
    third = cand("China rejects US claim of secret nuclear test as 'groundless smear'", "Al Jazeera", hours=4,
                 summary="Beijing's foreign ministry said Washington was fabricating a pretext to resume its own "
                         "testing, a day after the Pentagon published new material about the alleged explosion "
                         "at Lop Nur.")
    stories = cluster([*DAY, NUCLEAR_POST, third, NUCLEAR_WIRE])
    (story,) = [s for s in stories if len(s.members) > 1]
    assert story.primary is NUCLEAR_WIRE  # the earliest
    assert [m.source for m in story.also] == ["The Washington Post", "Al Jazeera"]


def test_clustering_finds_every_pair_that_comparing_all_pairs_finds():
    """The pair search (an index of rare words, bounds on the cosine) is exact: the same
    stories as asking `same_story` of every pair, on the whole labelled set."""
    from itertools import combinations

    from bench.cluster import DATA, load
    from bot.digest import cluster as module

    cands = [i.candidate for i in load(DATA)]
    feats = [module._features(c) for c in cands]
    rarity = module._Rarity(feats)
    vectors = [rarity.vector(f) for f in feats]
    every = {
        (i, j) for i, j in combinations(range(len(cands)), 2)
        if feats[i].link != feats[j].link and module._strength(feats[i], feats[j], vectors[i], vectors[j]) > 0
    }
    found = module._candidate_pairs(feats, vectors)
    assert every and every <= found
    assert len(found) < len(cands) * (len(cands) - 1) / 2 / 20  # and it looked at few pairs


def test_one_outlets_template_articles_are_separate_stories():
    """A weekly column ("Markets weekly 3", "… 4") shares its lead's wording week after week:
    a wire copy is another outlet's, so one outlet's look-alikes stay separate stories."""
    base = T0
    column = [cand(f"Markets weekly {i}", "Example Wire", f"https://news.example.org/markets/{i}",
                   published=base - timedelta(days=i), article_id=i + 1,
                   summary=f"Exporters in China reported steady orders. Business travel budgets were unchanged in week {i}.")
              for i in range(6)]
    assert all(not s.others for s in cluster(column))
    # the same text from another outlet is still its copy
    copy = cand("Markets weekly 2", "Dawn", "https://www.dawn.com/news/markets-2", published=base - timedelta(days=2),
                article_id=99, summary=column[2].summary)
    assert any(s.others and {m.article_id for m in s.members} == {3, 99} for s in cluster(column + [copy]))


def test_same_story_among_many_answers_as_same_story_among_them():
    """SameStory (follow-ups: a digest's stories against what was sent) computes features and
    word rarity once, and answers every pair as `same_story(…, among=…)` does; on the labelled
    set those answers find the same events `cluster` links."""
    from itertools import combinations

    from bench.cluster import DATA, load

    items = load(DATA)[:30]
    cands = [i.candidate for i in items]
    same = SameStory(cands)
    pairs = list(combinations(cands, 2))
    answers = [same(a, b) for a, b in pairs]
    assert answers == [same_story(a, b, among=cands) for a, b in pairs]
    assert any(answers) and not all(answers)


# Measured (bench/cluster.py, thresholds chosen on the tuning half): tuning P 1.000 R 0.948,
# held-out P 0.957 R 0.871, all P 0.932 R 0.909. The floors sit a little below, so that a
# change that loses stories (or merges different ones) fails here.
FLOORS = {
    "tuning (odd events)": (0.97, 0.92),
    "held-out (even events)": (0.93, 0.84),
    "all": (0.91, 0.88),
}


def test_the_labelled_set_keeps_its_precision_and_recall():
    from bench.cluster import DATA, halves, load, pairwise

    for name, part in halves(load(DATA)).items():
        score, _, _ = pairwise(cluster, part)
        precision, recall = FLOORS[name]
        assert score.precision >= precision and score.recall >= recall, (name, str(score))


@pytest.mark.parametrize("a,b", MERGE)
def test_same_story_merges(a, b):
    assert same_story(a, b) and same_story(b, a)
    stories = cluster([a, b])
    assert len(stories) == 1
    assert {m.article_id for m in stories[0].members} == {a.article_id, b.article_id}


@pytest.mark.parametrize("a,b", APART)
def test_different_stories_stay_apart(a, b):
    assert not same_story(a, b) and not same_story(b, a)
    assert len(cluster([a, b])) == 2


def test_cluster_picks_the_original_and_lists_each_other_outlet_once():
    reuters = cand("China tells its AI leaders to avoid US travel over security concerns, WSJ reports",
                   "Reuters", hours=6, summary=WIRE_LEDE)
    dawn = cand("China tells its AI leaders to avoid US travel over security concerns: report", "Dawn",
                hours=3, summary=WIRE_LEDE)
    dawn_update = cand("China tells its AI leaders to avoid US travel over security concerns: report", "Dawn",
                       hours=1, summary=WIRE_LEDE)
    other = cand("Deepfake CFO scam costs firm $25 million", "CNN", hours=2)
    stories = cluster([dawn, other, reuters, dawn_update])
    assert len(stories) == 2
    story = next(s for s in stories if len(s.members) == 3)
    assert story.primary is reuters  # equal watchlists and score: the earliest publication
    assert [a.source for a in story.also] == ["Dawn"]
    assert story.newest == dawn_update.published


def test_primary_is_the_version_matching_more_watchlists():
    a = cand("US and China to hold talks on AI risks and security", "AP", hours=5)
    b = cand("US and China to hold talks on AI risks and security - ABC News", "ABC News", hours=1,
             watchlists=("ai-policy", "ai-security"))
    (story,) = cluster([a, b])
    assert story.primary is b
    assert story.watchlists == ("ai-policy", "ai-security")


def test_clusters_chain_through_a_shared_link_and_a_shared_title():
    a = cand("Anthropic finds Claude was used in a cyber espionage campaign", "Anthropic",
             url="https://www.anthropic.com/news/disrupting-ai-espionage")
    b = cand("Chinese hackers used Claude to automate attacks", "The Verge", hours=2,
             url="https://anthropic.com/news/disrupting-ai-espionage/?ref=verge")
    c = cand("Chinese hackers used Claude to automate attacks - Yahoo", "Yahoo", hours=1)
    (story,) = cluster([a, b, c])
    assert len(story.members) == 3


@pytest.mark.parametrize(
    "url,expected",
    [
        ("https://www.example.com/a/b/?utm_source=x&utm_medium=y", "example.com/a/b"),
        ("http://example.com/a/b#frag", "example.com/a/b"),
        ("https://m.example.com/a/b/amp/", "example.com/a/b"),
        ("https://example.com/a?id=7&fbclid=abc", "example.com/a?id=7"),
        ("https://example.com/a?b=2&a=1", "example.com/a?a=1&b=2"),
    ],
)
def test_link_key(url, expected):
    assert link_key(url) == expected


def test_title_words_fold_stem_and_drop_outlet_tags():
    assert title_words("U.S. bans AI chips’ exports - Reuters", "Reuters") == ["us", "ban", "ai", "chip", "export"]
