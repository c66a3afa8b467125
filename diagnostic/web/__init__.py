"""The web layer: one package per blueprint (teacher, specialist, coordinator, admin, auth), wired here.

Each blueprint package holds its blueprint and access guard (`__init__.py`), its views and its forms.
Views turn a request into one call to a service and a page or redirect; nothing below imports Flask.
"""

from __future__ import annotations

from flask import Flask

# Importing a view module registers its routes on its blueprint; this is the one place that does it.
from diagnostic.web import admin, auth, coordinator, health_check, specialist, teacher
from diagnostic.web.admin import audit, cohorts, erasure, users  # noqa: F401
from diagnostic.web.auth import views as auth_views  # noqa: F401
from diagnostic.web.coordinator import (  # noqa: F401
    cycles,
    expertise,
    impact,
    jobs,
    menu,
    next_cycle,
    partnerships,
    specialists,
)
from diagnostic.web.coordinator import health as coordinator_health  # noqa: F401
from diagnostic.web.specialist import coaching_log as specialist_coaching_log  # noqa: F401
from diagnostic.web.specialist import progress as specialist_progress  # noqa: F401
from diagnostic.web.specialist import views as specialist_views  # noqa: F401
from diagnostic.web.teacher import assess, health, log, my_data, partner, progress, questionnaire  # noqa: F401

BLUEPRINTS = (auth.bp, teacher.bp, specialist.bp, coordinator.bp, admin.bp)


def register_blueprints(app: Flask) -> None:
    """Register every blueprint, the front page, and the link to each signed-in person's own home page."""
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.add_url_rule("/", "home", teacher.home)
    app.add_url_rule("/healthz", "healthz", health_check.healthz)

    @app.context_processor
    def _staff_home() -> dict[str, str]:
        from flask_login import current_user

        role = current_user.role if current_user and current_user.is_authenticated else None
        return {"staff_home": auth.HOMES.get(role, "home")}
