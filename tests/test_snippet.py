from bot.snippet import make_snippet


def test_short_text_is_returned_whole():
    assert make_snippet("  short   text ", ["x"]) == "short text"


def test_window_lands_around_the_first_match_on_word_boundaries():
    text = ("filler words " * 40) + "the travel ban was announced " + ("more words " * 40)
    s = make_snippet(text, ["travel"], width=120)
    assert "travel" in s and s.startswith("…") and s.endswith("…")
    assert len(s) <= 122
    assert not s[1].isspace()


def test_stemmed_forms_are_found():
    text = ("x " * 300) + "Chinese researchers traveling abroad"
    assert "traveling" in make_snippet(text, ["travel"], width=100)
