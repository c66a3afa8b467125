"""The app factory: configuration order, the generated secret key, production safety, error pages."""

from __future__ import annotations

import stat

import pytest

from diagnostic import create_app


def test_secret_key_is_generated_privately_once_and_reused(tmp_path):
    first = create_app({"DATA": str(tmp_path)})
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) >= 64
    assert create_app({"DATA": str(tmp_path)}).config["SECRET_KEY"] == first.config["SECRET_KEY"]


def test_production_refuses_the_generated_key(tmp_path, monkeypatch):
    monkeypatch.setenv("DIAGNOSTIC_PRODUCTION", "true")
    with pytest.raises(RuntimeError, match="DIAGNOSTIC_SECRET_KEY"):
        create_app({"DATA": str(tmp_path)})
    monkeypatch.setenv("DIAGNOSTIC_SECRET_KEY", "a-real-secret-from-the-operator-32-bytes-or-more")
    monkeypatch.setenv("DIAGNOSTIC_BASE_URL", "https://cpd.example.org")
    app = create_app({"DATA": str(tmp_path)})
    assert app.config["SECRET_KEY"] == "a-real-secret-from-the-operator-32-bytes-or-more"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not (tmp_path / "secret_key").exists()


def test_config_order_defaults_then_data_file_then_environment_then_test_config(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text('BASE_URL = "https://from-file"\nMAX_CONTENT_LENGTH = 1000\n')
    app = create_app({"DATA": str(tmp_path)})
    assert app.config["BASE_URL"] == "https://from-file" and app.config["MAX_CONTENT_LENGTH"] == 1000
    monkeypatch.setenv("DIAGNOSTIC_BASE_URL", "https://from-env")
    assert create_app({"DATA": str(tmp_path)}).config["BASE_URL"] == "https://from-env"
    assert create_app({"DATA": str(tmp_path), "BASE_URL": "https://x"}).config["BASE_URL"] == "https://x"


def test_data_directory_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DIAGNOSTIC_DATA", str(tmp_path / "from-env"))
    app = create_app()
    assert app.config["DATA"] == str(tmp_path / "from-env")
    assert (tmp_path / "from-env" / "store").is_dir()


@pytest.mark.parametrize(("method", "url", "status"), [
    ("GET", "/no-such-page", 404),
    ("POST", "/", 405),
    ("GET", "/join/%00%ff", 404),
    ("GET", "/resume/" + "a" * 10000, 404),
    ("POST", "/questionnaire/submit", 400),
])
def test_bad_requests_get_a_clear_page_never_a_500(client, method, url, status):
    response = client.open(url, method=method)
    assert response.status_code == status
    assert "<h1>" in response.text and "Traceback" not in response.text


def test_front_page_explains_and_lists_no_cohorts(client, cohort):
    page = client.get("/")
    assert page.status_code == 200 and "invitation link" in page.text
    assert cohort["invite"] not in page.text and cohort["name"] not in page.text
