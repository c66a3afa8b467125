"""A request reads the cohort's facts once: the co-coaching partnerships page and a co-coaching run list the
cohort's responses and load its grouping at most once each, however many parts of the page need them."""

from __future__ import annotations

from collections import Counter

import pytest
from test_coordinator_pairing import Coordinator

from diagnostic.services import grouping, partnerships
from diagnostic.services.demo import planted_cohort

COUNTED = ("list_responses", "load_grouping")


class CountingStore:
    """Stands in for the app's store, passing everything through and counting the calls to some reads."""

    def __init__(self, inner):
        self._inner, self.calls = inner, Counter()

    def __getattr__(self, name):
        found = getattr(self._inner, name)
        if name not in COUNTED:
            return found

        def counted(*args, **kwargs):
            self.calls[name] += 1
            return found(*args, **kwargs)
        return counted


@pytest.fixture
def counting(app, store, shipped, client, cohort):
    """Twenty-four submitted teachers, grouped; the app's store behind a counting proxy; a coordinator's browser."""
    store.add_responses(cohort["id"], planted_cohort(cohort, shipped, 24, seed=1)[0])
    grouping.refit(store, cohort, 3, "kmeans", accept_small=True)
    coordinator = Coordinator(client, cohort)
    proxy = CountingStore(app.extensions["store"])
    app.extensions["store"] = proxy
    yield coordinator, proxy
    app.extensions["store"] = proxy._inner


def assert_read_once(proxy):
    for name in COUNTED:
        assert proxy.calls[name] <= 1, f"{name} called {proxy.calls[name]} times in one request"


@pytest.mark.parametrize(("mode", "options"), [("co-coaching", {"school_rule": "any"}),
                                               ("specialist", {"by": "group"})])
def test_a_run_reads_the_cohort_once(counting, store, cohort, mode, options):
    coordinator, proxy = counting
    partnerships.add_specialist(store, cohort, "Dr Rosa Lewis", "specialist", ["questioning", "feedback"], 4)
    answer = coordinator.post(f"/partnerships/{mode}/run", **options)
    assert answer.status_code == 302 and store.pairing_state(cohort["id"], mode)["proposal"]["pairs"]
    assert_read_once(proxy)


def test_the_co_coaching_page_reads_the_cohort_once(counting):
    coordinator, proxy = counting
    coordinator.post("/partnerships/co-coaching/run", school_rule="any")
    proxy.calls.clear()
    page = coordinator.get("/partnerships/co-coaching")
    assert page.status_code == 200 and "partnership" in page.text
    assert_read_once(proxy)
