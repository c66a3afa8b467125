"""The load balancer's health check, and what people see while the store cannot be reached."""

from __future__ import annotations

from pathlib import Path

import pytest
import servers

pytestmark = pytest.mark.both_backends


def test_a_server_that_reaches_its_store_is_healthy(anonymous):
    answer = anonymous.get("/healthz")
    assert answer.status_code == 200 and answer.get_json() == {"store": "ok"}


def break_the_store(app, backend: str) -> None:
    """The database server gone (its database dropped), or the TinyDB cohorts file damaged."""
    if backend == "postgresql":
        servers.drop_database(app.config["DATABASE_URL"].rsplit("/", 1)[1])
    else:
        (Path(app.config["DATA"]) / "store" / "cohorts.json").write_text("{damaged")


def test_without_its_store_a_server_says_so_to_the_balancer_and_to_people_never_a_500(app, anonymous, backend,
                                                                                  cohort):
    break_the_store(app, backend)
    health = anonymous.get("/healthz")
    assert health.status_code == 503 and health.get_json() == {"store": "unavailable"}
    page = anonymous.get(f"/join/{cohort['invite']}")
    assert page.status_code == 503 and "try again" in page.text.lower()
    assert "sp_test" not in page.text and "Traceback" not in page.text  # nothing about the database leaks out
