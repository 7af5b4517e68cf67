"""html_to_text's regex reading of simple markup must equal html.parser's reading, always.

The fast path (`_simple_html_text`) only answers for fragments it can read exactly; these
tests feed both paths fragments built from the pieces that make HTML ambiguous (stray
`<`, unclosed tags, comments that end early, script/style, CDATA, odd attributes,
entities with and without `;`, whitespace) and require the same text.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.feeds.normalize import _parsed_html_text, _simple_html_text, html_to_text

PIECES = [
    "word", "Two words", " ", "   ", "\n", "\t", "&amp;", "&amp", "&nbsp;", "&nbsp", "&#8217;", "&#x2014;", "&bogus;",
    "&", "<", ">", "a < b", "x<y", "<p>", "</p>", "</p >", "<P>", "</DIV>", "<br>", "<br/>", "<br />", "<hr/>",
    "<li>", "</li>", "<b>", "</b>", "<b", "<i>", "</i>", "<span class=\"x\">", "</span>", "<a href=\"https://e.example/?a=1&amp;b=2\">",
    "<a href='x>y'>", "<a href=x>", "</a>", "<img src=\"x.png\" alt=\"\"/>", "<img src=x alt=y>", "<div data-x=\"1\" hidden>",
    "<script>", "</script>", "<style>", "</style>", "<noscript>", "</noscript>", "<iframe src=\"v\">", "</iframe>",
    "<svg>", "</svg>", "<template>", "</template>", "<!-- c -->", "<!--x-->", "<!-->", "<!--->", "<!-- unclosed",
    "<![CDATA[cdata]]>", "<?php echo 1; ?>", "<!DOCTYPE html>", "<tr><td>", "</td></tr>", "é", "’", "\u2028",
    "<a title=\"a\nb\">", "<p\nclass=\"x\">", "<h2>", "</h2>", "<x-y>", "<1>",
]

fragments = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@settings(max_examples=1500, deadline=None)
@given(fragments, st.sampled_from([5, 30, 300, 2000]))
def test_fast_path_equals_the_parser(fragment, limit):
    assert html_to_text(fragment, limit) == _parsed_html_text(fragment, limit)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/!-&;#x0a b=\"'pPsScriptyle\n")), max_size=60))
def test_fast_path_equals_the_parser_on_character_soup(text):
    assert html_to_text(text, 300) == _parsed_html_text(text, 300)


def test_fast_path_takes_ordinary_cms_markup():
    html = ('<p class="story">Officials said on <a href="/tag/x/" rel="noopener">Friday</a> that '
            '<strong>AI</strong> export rules&#8217; scope&nbsp;widens.</p><figure><img src="a.jpg" '
            'srcset="a-320w.jpg 320w, a-640w.jpg 640w" alt="A"/><figcaption>Photo &amp; caption</figcaption></figure>')
    assert _simple_html_text(html, 4064) is not None
    assert html_to_text(html, 2000) == "Officials said on Friday that AI export rules’ scope widens. Photo & caption"


def test_fast_path_declines_what_it_cannot_read_exactly():
    for html in ("<p>a</p><script>x()</script>", "a < b <i>c</i>", "<a title='x>y'>t</a>", "<![CDATA[x]]>",
                 "<p>" + "word " * 3000 + "</p>"):
        assert _simple_html_text(html, 4064) is None
