"""bench/recommend.py's baseline for the command, in a module of its own so its child imports no more than the
command does: every menu made, then one json.dumps of the whole list, as `diagnostic recommend --json` did."""

from __future__ import annotations

import json


def whole_list(data: str, cohort: str) -> None:
    """Print a cohort's menus as one json.dumps of the whole list."""
    from diagnostic import create_app
    from diagnostic.services import menu

    app = create_app({"DATA": data})
    with app.app_context():
        store = app.extensions["store"]
        print(json.dumps(menu.for_cohort(store, store.get_cohort(cohort)), indent=2, ensure_ascii=False))
