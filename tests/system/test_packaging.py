"""`pip install .` (not only editable) ships the definitions, templates and static files."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(ROOT)], check=True, capture_output=True, timeout=300)
    (built,) = out.glob("*.whl")
    return zipfile.ZipFile(built)


@pytest.mark.slow
def test_wheel_ships_definitions_templates_and_static(wheel):
    names = set(wheel.namelist())
    for required in ("forms/definitions/starting-point.yaml", "forms/definitions/learning-focuses.yaml",
                     "diagnostic/templates/_macros.html", "diagnostic/templates/teacher/page.html",
                     "diagnostic/templates/errors/error.html", "diagnostic/static/style.css", "models/__init__.py"):
        assert required in names, required


@pytest.mark.slow
def test_wheel_declares_the_diagnostic_console_script(wheel):
    (entry_points,) = [n for n in wheel.namelist() if n.endswith("entry_points.txt")]
    assert "diagnostic = diagnostic.cli:main" in wheel.read(entry_points).decode()


def test_every_template_in_the_tree_is_found_by_the_app(app):
    loader = app.jinja_env.loader
    on_disk = {str(p.relative_to(ROOT / "templates")) for p in (ROOT / "templates").rglob("*.html")}
    assert on_disk and on_disk <= set(loader.list_templates())


def test_the_code_passes_the_project_lint():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", str(ROOT)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout


def test_models_import_neither_flask_nor_tinydb():
    # models/ is the scikit-learn layer: it must stay usable (and testable) without the web app or the store.
    code = ("import sys, models.clustering, models.features, models.profiles, models.quality, models.mapping, "
            "models.persist; print(sorted(m for m in ('flask', 'tinydb', 'wtforms', 'forms', 'diagnostic') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
