from __future__ import annotations

import pytest

from newsarchive.errors import ExtractionError
from newsarchive.extract.textsave import parse_text_save

SAVE = """BUSINESS

Grid operator warns of winter shortfall | Energy News

The regional grid operator said on Monday that reserves could run short in January.

Engineers have been asked to delay planned maintenance at two plants.

Reserves under pressure

The shortfall would be the first since the cold snap three years ago.

Anna Berg
Anna Berg, the operator's chief engineer, at a briefing in March [File: Tom Hale / Nordpress]

“We are prepared for a hard winter,” Berg said.
"""


def test_section_title_and_category() -> None:
    save = parse_text_save(SAVE)
    assert save.section == "Business"
    assert save.title == "Grid operator warns of winter shortfall | Energy News"


def test_blocks_in_order_with_heading_and_caption() -> None:
    save = parse_text_save(SAVE)
    kinds = [(b.kind, b.text[:20]) for b in save.blocks]
    assert kinds == [
        ("paragraph", "The regional grid op"),
        ("paragraph", "Engineers have been "),
        ("heading", "Reserves under press"),
        ("paragraph", "The shortfall would "),
        ("image", "Anna Berg, the opera"),
        ("paragraph", "“We are prepared for"),
    ]
    image = save.blocks[4]
    assert image.alt == "Anna Berg"
    assert image.text.endswith("[File: Tom Hale / Nordpress]")


def test_without_section_line_the_first_line_is_the_title() -> None:
    save = parse_text_save("A title in normal case\n\nFirst paragraph of the story.\n\nSecond paragraph.")
    assert save.section is None
    assert save.title == "A title in normal case"


def test_a_quotation_ending_in_a_closing_quote_is_not_a_heading() -> None:
    save = parse_text_save("Title\n\nOne.\n\n“We will go on,” she said.\n\nTwo.")
    assert [b.kind for b in save.blocks] == ["paragraph", "paragraph", "paragraph"]


def test_a_heading_quoted_in_single_quotes_is_still_a_heading() -> None:
    save = parse_text_save("Title\n\nOne paragraph.\n\n‘Keeping the talks going’\n\nTwo paragraph.")
    assert [b.kind for b in save.blocks] == ["paragraph", "heading", "paragraph"]


def test_hard_wrapped_lines_join_into_one_paragraph() -> None:
    save = parse_text_save("Title\n\nThis paragraph was wrapped\nat a narrow width by the\nsaving program.\n\nEnd.")
    assert save.blocks[0].text == "This paragraph was wrapped at a narrow width by the saving program."


@pytest.mark.parametrize("text", ["", "   \n\n\t  \n", "\u200b\n"])
def test_empty_text_is_a_clear_error(text: str) -> None:
    with pytest.raises(ExtractionError, match="no article body found"):
        parse_text_save(text)
