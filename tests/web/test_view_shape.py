"""Views have one shape: a route function takes the arguments of its URL and nothing else, so no view is
called as a renderer by another through hidden parameters (a shared render helper does that job)."""

from __future__ import annotations

import inspect


def test_every_route_takes_only_its_url_arguments(app):
    odd = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = inspect.unwrap(app.view_functions[rule.endpoint])
        params = set(inspect.signature(view).parameters)
        if params != set(rule.arguments):
            odd[rule.endpoint] = sorted(params - set(rule.arguments))
    assert odd == {}
