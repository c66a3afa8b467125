"""Server-side cost of saving one questionnaire page and of one submission, as the store grows.

Usage: .venv/bin/python bench/save_submit.py [--quick] [--tmp DIR] [--postgres [ADMIN_URL]]

Builds four data directories, each filled directly through `Store.add_responses`
(not HTTP) with copies of a few validated synthetic teachers:
  spread/baseline   100 responses: 1 cohort of 100
  spread/large   10,000 responses: 100 cohorts of 100 (a real network: many ordinary cohorts)
  single/baseline   100 responses: 1 cohort of 100 (the same shape as spread/baseline)
  single/large   10,000 responses: all in 1 cohort (the worst case for the sharding)
Then fresh teachers go through the real Flask app and its test client: POST /join,
POST every visible page with valid answers and the current revision, POST submit.
Only the page POSTs and the submit POST are timed (redirects are not followed, so
the next page's GET is not included). Teachers run round-robin across the four
directories, so slow drift of the machine affects every configuration alike.
Prints one JSON object to stdout (see bench/README.md).

With --postgres, each configuration is a fresh PostgreSQL database instead (made on the server ADMIN_URL
names, default postgresql://postgres@127.0.0.1:5432/postgres, upgraded, and dropped afterwards), the sizes
are 1,000 and 100,000 responses, and the target is a ratio of at most 1.5 for both layouts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from werkzeug.datastructures import MultiDict  # noqa: E402

from diagnostic import create_app  # noqa: E402
from diagnostic.services.cohorts import create_cohort, definition_dirs  # noqa: E402
from diagnostic.services.csvio import form_pairs, submitted_response  # noqa: E402
from diagnostic.services.demo import synthetic_teacher  # noqa: E402
from diagnostic.services.journey import visible_sections  # noqa: E402
from forms.builder import build_page_form  # noqa: E402
from forms.catalog import find_definition  # noqa: E402

SCHOOLS = ["Ashfield", "Brook Lane"]
COHORT_SIZE = 100  # a typical cohort: one network's teachers in one cycle
TARGETS = {"spread": 2.0, "single": 3.0}  # max allowed large/baseline ratio of medians
TEMPLATES = 16  # distinct synthetic teachers; fill and measured teachers cycle through them


def make_templates(definition, n: int, seed: int = 2026) -> list[dict]:
    """Valid synthetic teachers: typed answers (for the fill) and per-page form posts (for HTTP)."""
    rng = random.Random(seed)
    classes = {s.id: build_page_form(s) for s in definition.sections}
    templates = []
    for _ in range(n):
        row, answers = synthetic_teacher(definition, rng, classes)
        # What a browser posts for each visible page: the same conversion the CSV importer uses.
        pages = [(i + 1, [p for q in definition.sections[i].questions for p in form_pairs(q, row)])
                 for i in visible_sections(definition, answers)]
        templates.append({"answers": answers, "pages": pages})
    return templates


def new_database(admin_url: str) -> str:
    """A fresh database at the current schema on the server `admin_url` names: its URL."""
    import psycopg
    from sqlalchemy import create_engine

    from diagnostic.storage import migrate
    from diagnostic.storage.postgres_store import engine_url

    name = f"sp_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    engine = create_engine(engine_url(url))
    migrate.upgrade(engine)
    engine.dispose()
    return url


def drop_database(admin_url: str, url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def build(root: Path, layout: str, size: int, definition, templates: list[dict], database_url: str | None = None
          ) -> dict:
    """An app over a data directory (or a database) filled with `size` submitted responses in the given layout."""
    app = create_app({"DATA": str(root), "WTF_CSRF_ENABLED": False, "DATABASE_URL": database_url})
    store = app.extensions["store"]
    n_cohorts = max(1, size // COHORT_SIZE) if layout == "spread" else 1
    cohorts = []
    with app.app_context():
        for c in range(n_cohorts):
            cohort = create_cohort(store, definition, f"Network {c + 1}", SCHOOLS)
            # Score each template once per cohort, then copy it with fresh ids: scoring 10,000 is slow.
            base = [submitted_response(cohort, definition, t["answers"], "x", None) for t in templates]
            batch = [{**base[i % len(base)], "id": secrets.token_hex(8), "respondent": f"r{c}-{i}",
                      "school": SCHOOLS[i % len(SCHOOLS)]} for i in range(size // n_cohorts)]
            for start in range(0, len(batch), 5000):  # one write per shard touched, or one short transaction
                store.add_responses(cohort["id"], batch[start:start + 5000])
            cohorts.append(cohort)
    return {"app": app, "cohorts": cohorts, "save": [], "submit": [], "rng": random.Random(size)}


def run_teacher(config: dict, template: dict, record: bool) -> None:
    """One fresh teacher: join, save every visible page, submit; time the saves and the submit."""
    client = config["app"].test_client()  # a fresh cookie jar: a new browser
    cohort = config["rng"].choice(config["cohorts"])
    r = client.post(f"/join/{cohort['invite']}", data={"school": SCHOOLS[0]})
    assert r.status_code == 302, f"join: {r.status_code}"
    for revision, (number, pairs) in enumerate(template["pages"]):
        data = MultiDict([*pairs, ("revision", str(revision))])
        start = time.perf_counter()
        r = client.post(f"/questionnaire/page/{number}", data=data)
        elapsed = time.perf_counter() - start
        assert r.status_code == 302, f"page {number}: {r.status_code}"  # 409/422 would re-render: not saved
        if record:
            config["save"].append(elapsed)
    start = time.perf_counter()
    r = client.post("/questionnaire/submit", data={"revision": str(len(template["pages"]))})
    elapsed = time.perf_counter() - start
    assert r.status_code == 302 and r.location.endswith("/questionnaire/summary"), f"submit: {r.status_code}"
    if record:
        config["submit"].append(elapsed)


def stats(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"median": round(statistics.median(ms), 2), "p90": round(statistics.quantiles(ms, n=10)[8], 2),
            "n": len(ms)}


def filesystem(path: Path) -> str:
    """The file system type holding `path` (fsync costs depend on it: tmpfs makes it free)."""
    best, kind = "", "unknown"
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            mount, fstype = line.split()[1:3]
            if str(path).startswith(mount) and len(mount) > len(best):
                best, kind = mount, fstype
    except OSError:
        pass
    return kind


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke test: 1,000 as the large size, few teachers")
    parser.add_argument("--tmp", help="where to create the temporary data directories (default: system temp)")
    parser.add_argument("--postgres", nargs="?", const="postgresql://postgres@127.0.0.1:5432/postgres",
                        metavar="ADMIN_URL", help="store in fresh PostgreSQL databases on this server instead")
    args = parser.parse_args()
    if args.postgres:
        baseline, large = 1_000, (10_000 if args.quick else 100_000)
        targets = dict.fromkeys(TARGETS, 1.5)
    else:
        baseline, large = 100, (1_000 if args.quick else 10_000)
        targets = TARGETS
    databases: list[str] = []
    teachers, warmup = (6, 2) if args.quick else (50, 5)

    began = time.perf_counter()
    definition, _ = find_definition("starting_point", None, definition_dirs("/nonexistent"))
    with tempfile.TemporaryDirectory(prefix="bench-save-submit-", dir=args.tmp) as tmp:
        root = Path(tmp)
        configs, fill_s = {}, {}
        with create_app({"DATA": str(root / "scratch"), "WTF_CSRF_ENABLED": False}).app_context():
            templates = make_templates(definition, TEMPLATES)  # FlaskForm needs an app context
        for layout in targets:
            for name, size in (("baseline", baseline), ("large", large)):
                start = time.perf_counter()
                if args.postgres:
                    databases.append(new_database(args.postgres))
                configs[layout, name] = build(root / f"{layout}-{name}", layout, size, definition, templates,
                                              databases[-1] if args.postgres else None)
                fill_s[f"{layout}/{name}"] = round(time.perf_counter() - start, 1)
        # Round-robin: teacher i does the same answers in every configuration (a paired comparison).
        for i in range(warmup + teachers):
            for config in configs.values():
                run_teacher(config, templates[i % len(templates)], record=i >= warmup)

        result = {"layouts": {}}
        for layout, target in targets.items():
            b, g = configs[layout, "baseline"], configs[layout, "large"]
            entry = {name: {"responses": size, "cohorts": len(configs[layout, name]["cohorts"]),
                            "save_ms": stats(configs[layout, name]["save"]),
                            "submit_ms": stats(configs[layout, name]["submit"])}
                     for name, size in (("baseline", baseline), ("large", large))}
            ratios = {op: round(statistics.median(g[op]) / statistics.median(b[op]), 2) for op in ("save", "submit")}
            entry.update(ratio_large_over_baseline=ratios, target_max_ratio=target,
                         met=all(r <= target for r in ratios.values()))
            result["layouts"][layout] = entry
        result["all_targets_met"] = all(e["met"] for e in result["layouts"].values())
        for config in configs.values():
            config["app"].extensions["store"].close()
        for url in databases:
            drop_database(args.postgres, url)
        result["settings"] = {"quick": args.quick, "store": "postgresql" if args.postgres else "tinydb",
                              "measured_teachers": teachers, "warmup_teachers": warmup,
                              "pages_per_teacher": sorted({len(t["pages"]) for t in templates}),
                              "fill_seconds": fill_s}
        result["machine"] = {"python": platform.python_version(), "cpu_count": os.cpu_count(),
                             "platform": platform.platform(), "tmp_filesystem": filesystem(root.resolve())}
    result["elapsed_seconds"] = round(time.perf_counter() - began, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
