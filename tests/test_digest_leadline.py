"""The lead line under each digest story: the first sentence, page scraps taken off."""

from __future__ import annotations

import pytest

from bot.digest.leadline import LEAD_LINE, lead_line


@pytest.mark.parametrize("summary,expected", [
    # navigation scraps in front of the text (the "… Advisory · Scope checker")
    ("… Advisory · Scope checker The UK's AI Security Institute published new guidance on red-teaming frontier "
     "models on Tuesday. It says labs should share results.",
     "The UK's AI Security Institute published new guidance on red-teaming frontier models on Tuesday."),
    ("Advisory · Scope checker Regulators in three countries opened inquiries into the leak. More.",
     "Regulators in three countries opened inquiries into the leak."),
    ("Home | News | Security | OpenAI patched a prompt-injection bug in ChatGPT's browsing tool. Share this: Twitter",
     "OpenAI patched a prompt-injection bug in ChatGPT's browsing tool."),
    # bylines and datelines
    ("By Jane Doe and Ann Lee, Reuters — Chinese authorities told AI researchers to avoid travel to the U.S. Read more",
     "Chinese authorities told AI researchers to avoid travel to the U.S."),
    ("WASHINGTON (Reuters) - The United States and China will discuss AI risks, officials said. (Image: Shutterstock)",
     "The United States and China will discuss AI risks, officials said."),
    # cookie prompts, "Read more", "The post … appeared first on …"
    ("We use cookies to improve your experience. Google said its model found 20 bugs in open-source code. More here.",
     "Google said its model found 20 bugs in open-source code."),
    ("Attackers stole model weights from a chip designer. Continue reading on our site »",
     "Attackers stole model weights from a chip designer."),
    ("The post Lab ships a new model appeared first on TechWire.", ""),
    # abbreviations do not end the sentence
    ("Dr. Smith said the U.S. model is 3.5 times faster. Then more.", "Dr. Smith said the U.S. model is 3.5 times faster."),
])
def test_the_first_real_sentence_without_page_scraps(summary, expected):
    assert lead_line(summary) == expected


def test_at_most_160_characters_cut_at_a_word():
    line = lead_line("word " * 200)
    assert len(line) <= LEAD_LINE and line.endswith("…") and " wor…" not in line


def test_a_lead_that_only_repeats_the_title_gives_the_next_sentence_or_nothing():
    assert lead_line("Lab leaks weights. Police made two arrests on Friday.", "Lab leaks weights") == \
        "Police made two arrests on Friday."
    assert lead_line("Lab leaks weights", "Lab leaks weights") == ""
    assert lead_line("") == ""
