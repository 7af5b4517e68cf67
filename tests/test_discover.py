"""A site's address finds its feed: `<link rel="alternate">` in the page, else the usual
places, over the loopback feed server and through the project's fetcher (same address
policy: a redirect to a private address is refused). CLI, Slack and OPML import all use it."""

from __future__ import annotations

import io
import json
from ipaddress import ip_network

import pytest

from bot.cli.common import confirm
from bot.feeds.discover import DiscoveryError, discover, feed_links
from bot.feeds.fetch import FetchLimits
from bot.feeds.netpolicy import AddressPolicy
from tests.support.cli import env, run  # noqa: F401  (the CLI fixture and runner)
from tests.support.feed_docs import rss

POLICY = AddressPolicy(allowed_networks=(ip_network("127.0.0.1/32"),))
LIMITS = FetchLimits(connect=2.0, read=2.0, total=5.0)


def atom(title: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title>'
            f'<id>urn:{title}</id><updated>2025-03-01T00:00:00Z</updated><entry><title>{title} entry</title>'
            f'<id>urn:{title}:1</id><link href="https://news.example/{title}/e"/>'
            f"<updated>2025-03-01T00:00:00Z</updated></entry></feed>").encode()


def page(*links: str, base: str = "") -> bytes:
    head = (f'<base href="{base}">' if base else "") + "".join(links)
    return f"<!DOCTYPE html><html><head><title>Site</title>{head}</head><body><h1>Hello</h1></body></html>".encode()


def alt(href: str, kind: str = "application/rss+xml", title: str = "") -> str:
    return f'<link rel="alternate" type="{kind}" href="{href}" title="{title}">'


HTML = "text/html; charset=utf-8"


def test_a_feed_address_is_taken_as_it_is(feed_server):
    feed_server.add("/feed.xml", rss("Direct"))
    found = discover(feed_server.url("/feed.xml"), policy=POLICY, limits=LIMITS)
    assert found.via == "direct" and found.chosen.url == feed_server.url("/feed.xml") and found.page_url is None


def test_a_page_that_links_one_feed(feed_server):
    feed_server.add("/", page(alt("/blog/rss.xml")), content_type=HTML)
    feed_server.add("/blog/rss.xml", rss("Blog"))
    found = discover(feed_server.url("/"), policy=POLICY, limits=LIMITS)
    assert found.via == "page" and found.chosen.url == feed_server.url("/blog/rss.xml")
    assert found.chosen.parsed.title == "Blog" and found.others == [] and found.page_url == feed_server.url("/")


def test_a_page_that_links_several_chooses_the_first_usable_and_lists_the_others(feed_server):
    feed_server.add("/news/", page(
        alt("comments.xml", title="Comments"),  # named first, but broken
        alt("main.xml", title="Main"),
        alt("/atom", "application/atom+xml"),
        alt("/feed.json", "application/feed+json"),
        alt("main.xml"),  # the same feed twice
        '<link rel="stylesheet" type="text/css" href="/s.css">',
        alt("javascript:alert(1)"),
    ), content_type=HTML)
    feed_server.add("/news/comments.xml", b"oops", status=500)
    feed_server.add("/news/main.xml", rss("Main"))
    feed_server.add("/atom", atom("AtomSide"), content_type="application/atom+xml")
    feed_server.add("/feed.json", json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J",
                                              "items": [{"id": "1", "url": "https://j.example/1", "title": "j"}]}).encode(),
                    content_type="application/feed+json")
    found = discover(feed_server.url("/news/"), policy=POLICY, limits=LIMITS)
    assert found.chosen.url == feed_server.url("/news/main.xml") and found.chosen.title == "Main"
    assert [f.url for f in found.others] == [feed_server.url("/atom"), feed_server.url("/feed.json")]
    assert found.unusable == [(feed_server.url("/news/comments.xml"), "HTTP 500 Internal Server Error")]
    assert not any("javascript" in p for p in feed_server.paths())


def test_a_page_that_links_none_falls_back_to_the_usual_places(feed_server):
    feed_server.add("/blog/post", page(), content_type=HTML)
    feed_server.add("/atom.xml", atom("Fallback"), content_type="application/atom+xml")
    found = discover(feed_server.url("/blog/post"), policy=POLICY, limits=LIMITS)
    assert found.via == "fallback" and found.chosen.url == feed_server.url("/atom.xml")
    assert {"/feed", "/rss.xml", "/atom.xml", "/index.xml"} <= set(feed_server.paths())


def test_a_page_with_no_feed_anywhere_is_refused_with_the_reason(feed_server):
    feed_server.add("/", page(), content_type=HTML)
    with pytest.raises(DiscoveryError) as caught:
        discover(feed_server.url("/"), policy=POLICY, limits=LIMITS)
    message = str(caught.value)
    assert "does not serve a feed" in message and "/feed, /rss.xml, /atom.xml, /index.xml" in message
    assert "\n" not in message


def test_a_redirect_to_a_private_address_is_refused(feed_server):
    feed_server.redirect("/", "http://10.20.30.40/")
    with pytest.raises(DiscoveryError) as caught:
        discover(feed_server.url("/"), policy=POLICY, limits=LIMITS)
    assert "could not fetch" in str(caught.value) and "refused" in str(caught.value)


def test_a_linked_feed_that_redirects_to_a_private_address_is_not_used(feed_server):
    feed_server.add("/", page(alt("/sneaky.xml"), alt("/ok.xml")), content_type=HTML)
    feed_server.redirect("/sneaky.xml", "http://192.168.1.1/feed.xml")
    feed_server.add("/ok.xml", rss("Ok"))
    found = discover(feed_server.url("/"), policy=POLICY, limits=LIMITS)
    assert found.chosen.url == feed_server.url("/ok.xml")
    [(url, why)] = found.unusable
    assert url == feed_server.url("/sneaky.xml") and "refused" in why


def test_feed_links_is_careful_with_what_a_page_says():
    html = page(alt("a.xml"), alt("b.xml", "application/atom+xml; charset=utf-8"),
                '<LINK REL="Alternate" TYPE="application/rss+xml" HREF="/c.xml#top">',
                alt("data:text/xml,<rss/>"), alt("ftp://x.example/f"), alt(""), alt("a.xml"),
                '<link rel="alternate" type="text/html" href="/fr/">', base="https://cdn.example/base/")
    assert [(l.url, l.kind) for l in feed_links(html, "https://site.example/page")] == [
        ("https://cdn.example/base/a.xml", "RSS"), ("https://cdn.example/base/b.xml", "Atom"),
        ("https://cdn.example/c.xml", "RSS")]
    many = page(*(alt(f"/f{i}.xml") for i in range(500)))
    assert len(feed_links(many, "https://site.example/")) == 50
    assert feed_links(b"\xff\xfe<<<not html", "https://site.example/") == []


# ---- the CLI ---------------------------------------------------------------------------------------


def test_cli_feeds_add_with_a_site_address_shows_what_it_found(env, capsys, feed_server):  # noqa: F811
    feed_server.add("/", page(alt("/rss.xml"), alt("/atom", "application/atom+xml")), content_type=HTML)
    feed_server.add("/rss.xml", rss("Site news", n=5))
    feed_server.add("/atom", atom("Other"), content_type="application/atom+xml")
    code, out, err = run(capsys, "feeds", "add", feed_server.url("/"), "--yes")
    assert code == 0, err
    assert f"Feed:  {feed_server.url('/rss.xml')}  from {feed_server.url('/')}" in out
    assert "Title: Site news" in out and "Items: 5, newest:" in out
    newest = [line.strip("- ").strip() for line in out.splitlines() if line.startswith("  - Site")]
    assert newest == ["Site news item 4", "Site news item 3", "Site news item 2"]
    assert f"  - {feed_server.url('/atom')}" in out and f"Added {feed_server.url('/rss.xml')}" in out
    code, out, _ = run(capsys, "feeds", "list")
    assert feed_server.url("/rss.xml") in out and feed_server.url("/") + "\n" not in out
    code, _, err = run(capsys, "feeds", "add", feed_server.url("/"), "--yes")
    assert code == 2 and "already following" in err


def test_cli_feeds_add_without_a_terminal_goes_ahead(env, capsys, feed_server):  # noqa: F811
    feed_server.add("/rss.xml", rss("Piped"))
    code, out, err = run(capsys, "feeds", "add", feed_server.url("/rss.xml"))  # pytest's stdin is no TTY
    assert code == 0 and "Added" in out and err == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("answer, added", [("y\n", True), ("yes\n", True), ("\n", False), ("n\n", False), ("", False)])
def test_confirm_on_a_terminal(answer, added):
    out = io.StringIO()
    assert confirm("Add this feed?", stdin=_Terminal(answer), out=out) is added
    assert out.getvalue() == "Add this feed? [y/N] "


def test_cli_feeds_add_asks_on_a_terminal(env, capsys, feed_server, monkeypatch):  # noqa: F811
    feed_server.add("/rss.xml", rss("Asked"))
    monkeypatch.setattr("sys.stdin", _Terminal("n\n"))
    code, out, _ = run(capsys, "feeds", "add", feed_server.url("/rss.xml"))
    assert code == 0 and "Add this feed? [y/N]" in out and "Not added." in out
    code, out, _ = run(capsys, "feeds", "list")
    assert feed_server.url("/rss.xml") not in out


def test_cli_full_text_flag_and_toggle(env, capsys, feed_server):  # noqa: F811
    feed_server.add("/rss.xml", rss("Teasers"))
    url = feed_server.url("/rss.xml")
    code, out, _ = run(capsys, "feeds", "add", url, "--full-text", "--yes")
    assert code == 0 and "with full text" in out
    code, out, _ = run(capsys, "feeds", "full-text", url, "off")
    assert code == 0 and "Full text off" in out
    code, out, _ = run(capsys, "feeds", "full-text", url, "on")
    assert code == 0 and "Full text on" in out
    code, _, err = run(capsys, "feeds", "full-text", feed_server.url("/nope.xml"), "on")
    assert code == 2 and "not following" in err
    code, out, _ = run(capsys, "audit")
    assert "feed.full_text" in out


def test_opml_import_finds_the_feed_of_a_site_outline(env, capsys, feed_server):  # noqa: F811
    feed_server.add("/site/", page(alt("feed.xml")), content_type=HTML)
    feed_server.add("/site/feed.xml", rss("From OPML"))
    feed_server.add("/direct.xml", rss("Direct"))
    opml = env / "subs.opml"
    opml.write_text(f'<?xml version="1.0"?><opml version="2.0"><head/><body>'
                    f'<outline text="Direct" xmlUrl="{feed_server.url("/direct.xml")}"/>'
                    f'<outline text="A site" htmlUrl="{feed_server.url("/site/")}"/>'
                    f'<outline text="Nothing" htmlUrl="{feed_server.url("/missing/")}"/>'
                    f"</body></opml>")
    code, out, err = run(capsys, "feeds", "import", str(opml))
    assert code == 0
    assert f"found {feed_server.url('/site/feed.xml')}" in out and "Imported 2 new feed(s) of 3" in out
    assert feed_server.url("/missing/") in err
    code, out, _ = run(capsys, "feeds", "list")
    assert feed_server.url("/site/feed.xml") in out and feed_server.url("/direct.xml") in out
