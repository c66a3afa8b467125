"""The `diagnostic serve` command: the development server, or gunicorn with the production settings."""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo
from werkzeug.serving import run_simple

from diagnostic import create_app
from diagnostic.cli.common import data_dir
from diagnostic.services.cohorts import definition_dirs
from diagnostic.services.demo import DEMO_COHORT, seed_demo
from diagnostic.storage.interface import StoreError
from diagnostic.web.pages import get_store
from forms.catalog import UnknownForm
from forms.yamlfile import FileProblems


# -- serving ---------------------------------------------------------------------
# Without an app context: --production builds its own apps, and must not build a development one first.
@click.command("serve")
@click.option("--demo", is_flag=True, help="Seed a demo cohort of synthetic teachers first.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--production", is_flag=True,
              help="Serve with gunicorn and the production settings (needs DIAGNOSTIC_SECRET_KEY and "
                   "DIAGNOSTIC_BASE_URL).")
@click.option("--workers", type=click.IntRange(1, 64), help="gunicorn worker processes with --production [default: 2].")
@click.pass_context
def serve(ctx: click.Context, demo: bool, host: str, port: int, production: bool, workers: int | None) -> None:
    """Run the web app and print the addresses to open: the development server, or gunicorn with --production."""
    if production:
        _serve_production(ctx, demo, host, port, workers or 2)
        return
    if workers is not None:
        raise click.UsageError("--workers is for gunicorn: use it with --production")
    app = ctx.ensure_object(ScriptInfo).load_app()
    if app.config["PRODUCTION"]:
        raise click.ClickException("PRODUCTION is on: serve with 'diagnostic serve --production' (gunicorn), "
                                   "never the development server")
    ctx.with_resource(app.app_context())
    base = f"http://{host}:{port}"
    if demo:
        try:
            result = seed_demo(get_store(), definition_dirs(data_dir()))
        except (StoreError, FileProblems, UnknownForm) as exc:
            raise click.ClickException(f"cannot seed the demo cohort: {exc}") from None
        cohort_record = result["cohort"]
        click.echo(f"demo cohort {DEMO_COHORT}: {result['submitted']} teachers in {len(cohort_record['schools'])} "
                   f"schools{' (already seeded)' if not result['created'] else ''}")
        click.echo(f"  invitation (try the questionnaire as a teacher): {base}/join/{cohort_record['invite']}")
        click.echo(f"  the specialist's view of its groups: {base}/specialist/cohorts/{DEMO_COHORT}/")
        click.echo(f"  the coordinator's co-coaching partnerships: {base}/coordinator/cohorts/{DEMO_COHORT}/"
                   "partnerships/co-coaching")
        if result.get("resume_token"):
            click.echo(f"  a demo teacher's private link (already submitted): {base}/resume/{result['resume_token']}")
        if result.get("accounts"):
            click.echo(f"  staff sign in at {base}/sign-in (these passwords are shown only now):")
            for account in result["accounts"]:
                click.echo(f"    {account['role']}: {account['email']}  {account['password']}")
        else:
            click.echo("  staff accounts: specialist@demo.example, coordinator@demo.example, admin@demo.example "
                       "(reset a password with: diagnostic users set-password --email ...)")
    click.echo(f"Starting Points on {base}/  (data: {data_dir()}; press Ctrl+C to stop)")
    # Flask refuses app.run() inside its own CLI, so start werkzeug's server directly.
    run_simple(host, port, current_app._get_current_object(), threaded=True)


def _serve_production(ctx: click.Context, demo: bool, host: str, port: int, workers: int) -> None:
    if demo:
        raise click.UsageError("--demo adds synthetic teachers to try the app: leave it out with --production")
    data = ctx.meta.get("diagnostic.data")
    config = {"PRODUCTION": True, **({"DATA": data} if data else {})}
    try:
        # Built here first so that a missing secret key is one clear line, not every worker failing to boot.
        app = create_app(config)
    except RuntimeError as exc:
        raise click.ClickException(f"cannot serve in production: {exc}") from None
    click.echo(f"Starting Points with gunicorn on http://{host}:{port}/, {workers} workers "
               f"(data: {app.config['DATA']}; press Ctrl+C to stop). Users reach it over HTTPS, through your proxy.")
    serve_with_gunicorn(lambda: create_app(config), host, port, workers)


def gunicorn_settings(host: str, port: int, workers: int) -> dict[str, object]:
    """The gunicorn settings `serve` uses: the address, the number of worker processes, and no extras."""
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "proc_name": "starting-points",
        # gunicorn would otherwise open a control socket in $XDG_RUNTIME_DIR or ~/.gunicorn, one path
        # shared by every gunicorn of the user. No access log either: private links are in the URLs.
        "control_socket_disable": True,
        "accesslog": None,
    }


def serve_with_gunicorn(factory: Callable[[], Flask], host: str, port: int, workers: int) -> None:
    """Run gunicorn until it is stopped: `workers` processes, each building its own app with `factory`."""
    # Imported here: gunicorn runs only on Unix, and only this command needs it.
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            for name, value in gunicorn_settings(host, port, workers).items():
                self.cfg.set(name, value)

        def load(self) -> Flask:
            return factory()

    Server().run()
