"""`diagnostic.cli.jsonout`: the same text as json.dumps(indent=2, ensure_ascii=False), item by item.

And `diagnostic recommend --json`, which prints a cohort's menus with it as each batch is ranked: the
same text whatever the batch size, and the same as json.dumps of `menu.for_cohort`.
"""

from __future__ import annotations

import enum
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnostic.cli import jsonout
from diagnostic.services import menu
from diagnostic.services.demo import DEMO_COHORT

plain = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
values = st.recursive(plain, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=30)
keys = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)


@settings(max_examples=300, deadline=None)
@given(value=values)
def test_any_value_is_written_as_json_dumps_writes_it(value):
    assert jsonout.dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


@settings(max_examples=100, deadline=None)
@given(value=st.dictionaries(keys, plain, max_size=5))
def test_keys_that_are_not_strings_are_written_as_json_dumps_writes_them(value):
    assert jsonout.dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


class Level(enum.IntEnum):
    HIGH = 3


class Name(str):
    pass


def test_subclasses_of_plain_types_are_written_as_json_dumps_writes_them():
    value = {"level": Level.HIGH, "name": Name("Zoë \"Q\""), "ratio": [0.5, -0.0, float("nan"), float("inf")]}
    assert jsonout.dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("value", [{1j: 2}, object(), [set()]])
def test_what_json_dumps_refuses_is_refused(value):
    with pytest.raises(TypeError):
        json.dumps(value)
    with pytest.raises(TypeError):
        jsonout.dumps(value)


@pytest.mark.parametrize("items", [[], [1], [{"a": [1, {"b": None}]}, "two", []]])
def test_a_list_printed_item_by_item_reads_as_the_whole_list(runner, items):
    import click

    @click.command()
    def show():
        jsonout.echo_list(iter(items))

    assert runner.invoke(show).output == json.dumps(items, indent=2, ensure_ascii=False) + "\n"


# What echo_list writes as json.dumps does: every value but floats below 1e-4 in size, NaN and the infinities.
shown_floats = st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x == 0 or abs(x) >= 1e-4)
shown = st.recursive(st.none() | st.booleans() | st.integers() | shown_floats | st.text(),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
                     | st.dictionaries(keys, inner, max_size=3), max_leaves=30)


@settings(max_examples=200, deadline=None)
@given(items=st.lists(shown, max_size=250))
def test_a_list_printed_in_chunks_reads_as_json_dumps_writes_it(items):
    # Keys that are not strings and integers beyond 64 bits, which orjson refuses, are written as json writes them.
    import click
    from click.testing import CliRunner

    @click.command()
    def show():
        jsonout.echo_list(iter(items))

    assert CliRunner().invoke(show).output == json.dumps(items, indent=2, ensure_ascii=False) + "\n"


@pytest.fixture
def app(demo_app):
    return demo_app


@pytest.mark.parametrize("batch", [1, 7, menu.BATCH])
def test_recommend_json_is_the_cohorts_menus_whatever_the_batch(invoke, app, monkeypatch, batch):
    with app.app_context():
        store = app.extensions["store"]
        expected = json.dumps(menu.for_cohort(store, store.get_cohort(DEMO_COHORT)), indent=2, ensure_ascii=False)
    monkeypatch.setattr(menu, "BATCH", batch)
    assert invoke("recommend", "--cohort", DEMO_COHORT, "--json").output == expected + "\n"
