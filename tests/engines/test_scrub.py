"""Taking an erased teacher's name and goal out of other people's free text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diagnostic.engines.scrub import GOAL_GONE, NAME_GONE, scrubber

SCRUB = scrubber(["Jo Marker"], ["Pupils explain their reasoning aloud."], ["Jo Marker"])


@pytest.mark.parametrize("text, expected", [
    ("Talk to Jo Marker first.", f"Talk to {NAME_GONE} first."),
    ("jo marker and JO MARKER", f"{NAME_GONE} and {NAME_GONE}"),
    ("Jo  Marker, across a double space", f"{NAME_GONE}, across a double space"),
    ("Jo said we should start.", f"{NAME_GONE} said we should start."),
    ("Ask Ms Marker, or Mr. Marker", f"Ask {NAME_GONE}, or {NAME_GONE}"),
    ("Jo Marker: Pupils explain their reasoning aloud.\nBea: fewer hands up", "Bea: fewer hands up"),
    ("Her aim: pupils EXPLAIN their   reasoning aloud.", f"Her aim: {GOAL_GONE}"),
    # Whole words only: other words that contain the name stay as they were.
    ("Joanna marks the Markers' books with joy.", "Joanna marks the Markers' books with joy."),
    ("", ""),
])
def test_every_form_of_the_name_and_the_goal_goes_and_nothing_else(text, expected):
    assert SCRUB(text) == expected


def test_a_short_or_one_word_goal_is_too_common_to_take_out():
    scrub = scrubber(["Jo Marker"], ["Yes", "Questioning"], [])
    assert scrub("Yes, questioning works.") == "Yes, questioning works."


def test_a_name_never_typed_leaves_its_parts_alone():
    # A teacher who gave no name is shown as "Teacher ref-7": "Teacher" alone is not their name.
    scrub = scrubber(["Teacher ref-7"], [], [])
    assert scrub("Every Teacher ref-7 note, every teacher here.") == f"Every {NAME_GONE} note, every teacher here."


NAMES = st.from_regex(r"[A-Z][a-z]{1,9} [A-Z][a-z]{2,11}", fullmatch=True)
FILLER = st.text(alphabet="0123456789 ,.!?()\n", max_size=40)  # never spells a name by chance


@given(name=NAMES, before=FILLER, after=FILLER, form=st.sampled_from(["whole", "first", "upper", "lower", "title"]))
def test_no_form_of_the_name_survives_anywhere_in_the_text(name, before, after, form):
    first, last = name.split()
    written = {"whole": name, "first": first, "upper": name.upper(), "lower": name.lower(),
               "title": f"Ms {last}"}[form]
    scrubbed = scrubber([name], [], [name])(f"{before} {written} {after}")
    for part in (first, last) if form != "first" else (first,):
        assert not re.search(rf"(?<!\w){re.escape(part)}(?!\w)", scrubbed, re.IGNORECASE), scrubbed


CONTACT = scrubber([], [], [], ["jo.m@ashfield.example or 07700 900 123, staffroom at break"])


@pytest.mark.parametrize("text, expected", [
    ("Jo: jo.m@ashfield.example or 07700 900 123, staffroom at break", f"Jo: {GOAL_GONE}"),
    ("Mail JO.M@ASHFIELD.EXAMPLE first.", f"Mail {GOAL_GONE} first."),
    ("Ring 07700 900 123 on Tuesdays.", f"Ring {GOAL_GONE} on Tuesdays."),
    ("Ring 07700  900 123, across a double space.", f"Ring {GOAL_GONE}, across a double space."),
    ("The staffroom at break is busy.", "The staffroom at break is busy."),  # only the whole answer goes
    ("Ring 07700 900 124 instead.", "Ring 07700 900 124 instead."),
])
def test_a_contact_answer_goes_whole_and_so_does_each_address_and_number_in_it(text, expected):
    assert CONTACT(text) == expected


def test_a_contact_answer_too_short_to_reach_anyone_is_left_alone():
    assert scrubber([], [], [], ["no"])("no thanks") == "no thanks"
