"""Starting Points: the Flask application for the starting-point diagnostic.

`create_app` reads as the table of contents: settings, the store, the web layer's shared pieces, the
blueprints. The layers below it (docs/architecture.md): web and cli, then services, then engines and storage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

PACKAGE = Path(__file__).parent


def _template_folder() -> Path:
    # In a source checkout templates/ sits beside the package; an installed
    # wheel carries it inside the package (see pyproject.toml).
    inside = PACKAGE / "templates"
    return inside if inside.is_dir() else PACKAGE.parent / "templates"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then DATA/config.py, then DIAGNOSTIC_* variables, then `test_config`."""
    from diagnostic import settings, web
    from diagnostic.storage.backends import open_store
    from diagnostic.web import auth, limits, links, pages

    app = Flask(__name__, template_folder=str(_template_folder()))
    data_dir = settings.load(app, test_config)
    app.extensions["store"] = open_store(data_dir, app.config["DATABASE_URL"], app.config["CHECK_SCHEMA"])

    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals["public_url"] = links.public_url  # every link a page shows for people to use elsewhere
    pages.init_headers(app)
    limits.init_app(app)
    pages.init_error_pages(app)
    auth.login_manager.init_app(app)
    web.register_blueprints(app)
    return app
