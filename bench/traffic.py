"""Simulated teachers over real HTTP, shared by bench/load.py, bench/crash.py and tests/system/test_crash.py.

A teacher here is a browser with its own session cookie that does what a person does: open the
invitation, start (POST with the page's CSRF token), then for every page GET it, read the form's
`csrf_token` and `revision`, check that every field it is about to send is on the page, POST its
answers and follow the redirect; then the review page, submit, and the summary. Answers are drawn
before the run from the published definition with `diagnostic.services.demo.synthetic_teacher` (valid by
construction), so what each teacher was told was saved can be compared with the store afterwards.

Every acknowledgement is recorded as it arrives: a join is acknowledged by its redirect and session
cookie (which holds the private link), a page save by a redirect after the POST, a submission by the
redirect to the summary. `check_store` then compares the store with exactly those acknowledgements.

Only 127.0.0.1 is ever contacted; every run is bounded in requests (per teacher) and in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from flask import Flask  # noqa: E402
from flask.sessions import SecureCookieSessionInterface  # noqa: E402
from save_submit import filesystem  # noqa: E402, F401  (one copy, shared with the page-save benchmark)

from diagnostic import create_app  # noqa: E402
from diagnostic.services.cohorts import published_definition  # noqa: E402
from diagnostic.services.csvio import form_pairs  # noqa: E402
from diagnostic.services.demo import DEMO_SCHOOLS, synthetic_teacher  # noqa: E402
from diagnostic.services.journey import save_page, visible_sections  # noqa: E402
from diagnostic.storage.backends import open_store  # noqa: E402, F401  (re-exported: how callers open a store to check)
from diagnostic.storage.interface import Store  # noqa: E402
from forms.builder import build_page_form  # noqa: E402

HOST = "127.0.0.1"
INPUT_RE = re.compile(r"<input\b[^>]*>")
NAME_RE = re.compile(r'\bname="([^"]+)"')
VALUE_RE = re.compile(r'\bvalue="([^"]*)"')
SUMMARY = "/questionnaire/summary"
REVIEW = "/questionnaire/review"
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through an http_proxy: loopback only


# -- servers -----------------------------------------------------------------------------------------
def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any DIAGNOSTIC_* setting of its own, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIAGNOSTIC_")}
    return {**env, **extra}


def diagnostic_command(data: Path, args: list[str], database_url: str | None = None) -> str:
    """Run `diagnostic --data DATA ARGS...` in this process (Click's test runner) and return its output.

    The same code path as from a shell, without paying for another interpreter's imports; this process's own
    DIAGNOSTIC_* settings are left out, and DIAGNOSTIC_DATABASE_URL is `database_url` (None: the TinyDB store).
    """
    from click.testing import CliRunner

    from diagnostic.cli import cli

    env = {k: None for k in os.environ if k.startswith("DIAGNOSTIC_")}
    env["DIAGNOSTIC_DATABASE_URL"] = database_url
    done = CliRunner().invoke(cli, ["--data", str(data), *args], env=env)
    if done.exit_code:
        raise RuntimeError(f"diagnostic --data {data} {' '.join(args)} failed: {done.output}")
    return done.output


def create_cohort(data: Path, name: str, database_url: str | None = None) -> tuple[str, str]:
    """A demo-like cohort (the demo's four schools) made with `diagnostic cohort create`: (id, invitation code)."""
    done = diagnostic_command(data, ["cohort", "create", "--name", name, "--form", "starting_point",
                                     "--schools", ",".join(DEMO_SCHOOLS)], database_url)
    cohort = re.search(r"^cohort: (\S+)$", done, re.M).group(1)
    invite = re.search(r"/join/(\S+)$", done, re.M).group(1)
    return cohort, invite


class Server:
    """A server process in its own process group (gunicorn's master and workers), started and killed whole."""

    def __init__(self, argv: list[str], env: dict[str, str], port: int, log: Path, cwd: Path = ROOT):
        self.argv, self.env, self.port, self.log, self.cwd = argv, env, port, log, cwd
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 90) -> float:
        """Start it and wait until `/` answers 200; returns the seconds that took."""
        began = time.monotonic()
        with self.log.open("a") as out:
            out.write(f"--- start {self.starts + 1} ---\n")
            out.flush()
            self.proc = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        self.starts += 1
        while True:
            try:
                with DIRECT.open(self.base + "/", timeout=5) as answer:
                    if answer.status == 200:
                        return time.monotonic() - began
            except (OSError, urllib.error.URLError):
                pass
            if self.proc.poll() is not None or time.monotonic() - began > timeout:
                self.kill()
                raise RuntimeError(f"the server did not start: see {self.log}\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)

    def group_cpu_seconds(self) -> float:
        """User + system CPU seconds of the live processes in the server's group (master and workers)."""
        if self.proc is None:
            return 0.0
        total, tick = 0.0, os.sysconf("SC_CLK_TCK")
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.proc.pid:  # field 5, pgrp
                total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        return total

    def kill(self) -> None:
        """SIGKILL the whole process group, master and workers at once, and wait for the master."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        deadline = time.monotonic() + 10
        while self._group_running() and time.monotonic() < deadline:  # the workers die a moment later
            time.sleep(0.01)
        self.proc = None

    def _group_running(self) -> bool:
        """Whether any process of the group is still running (a zombie holds no socket, no lock, no file)."""
        for proc in Path("/proc").iterdir():
            try:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split() if proc.name.isdigit() else None
            except OSError:
                continue
            if fields and int(fields[2]) == self.proc.pid and fields[0] != "Z":
                return True
        return False

    def stop(self) -> None:
        """Stop it gracefully (SIGTERM to the group), killing it if that takes more than 30 s."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(30)
        self.kill()


def app_server(data: Path, workers: int, port: int, key: str, log: Path, **settings: str) -> Server:
    """`diagnostic --data DATA serve --production --workers N` (gunicorn) on 127.0.0.1:PORT.

    `settings` are more DIAGNOSTIC_* variables by name without the prefix (DATABASE_URL=..., BASE_URL=...).
    """
    argv = [sys.executable, "-c", "from diagnostic.cli import main; main()", "--data", str(data), "serve",
            "--production", "--workers", str(workers), "--host", HOST, "--port", str(port)]
    # The simulated teachers reach the server directly, so its own address stands for the public one.
    env = {"DIAGNOSTIC_SECRET_KEY": key, "DIAGNOSTIC_BASE_URL": f"https://{HOST}:{port}",
           **{f"DIAGNOSTIC_{name}": value for name, value in settings.items()}}
    return Server(argv, clean_env(**env), port, log)


# -- teachers' answers, decided before the run ------------------------------------------------------------
@dataclass
class Plan:
    """One simulated teacher's answers: what to post on each page, and the typed answers that means."""

    index: int
    school: str
    posts: dict[int, list[tuple[str, str]]]  # page number -> form fields a browser posts
    page_answers: dict[int, dict[str, Any]]  # page number -> typed answers on that page
    answers: dict[str, Any]  # every typed answer
    path: list[str]  # the pages this teacher sees, in order, then the review page


def load_definition(store: Store, cohort_id: str):  # noqa: ANN201
    """The definition a cohort was published with, read from the store."""
    cohort = store.get_cohort(cohort_id)
    return published_definition(store, cohort["form_id"], cohort["form_version"])


def make_plans(definition, n: int, seed: int) -> list[Plan]:  # noqa: ANN001
    """`n` valid synthetic teachers (seeded) and their page-by-page posts."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="bench-plans-") as scratch, \
            create_app({"DATA": scratch, "WTF_CSRF_ENABLED": False}).app_context():  # FlaskForm needs one
        classes = {s.id: build_page_form(s) for s in definition.sections}
        plans = []
        for i in range(n):
            row, answers = synthetic_teacher(definition, rng, classes)
            posts, page_answers = {}, {}
            for number, section in enumerate(definition.sections, start=1):
                posts[number] = [p for q in section.questions for p in form_pairs(q, row)]
                on_page = {a for q in section.questions for a in q.answer_ids()}
                page_answers[number] = {k: v for k, v in answers.items() if k in on_page}
            path = [f"/questionnaire/page/{i + 1}" for i in visible_sections(definition, answers)] + [REVIEW]
            plans.append(Plan(i, DEMO_SCHOOLS[i % len(DEMO_SCHOOLS)], posts, page_answers, answers, path))
    return plans


# -- one teacher's browser and journey ---------------------------------------------------------------------
class Unexpected(Exception):
    """The server answered something a teacher on this step should never get."""


@dataclass
class Sample:
    step: str
    started: float  # monotonic
    seconds: float
    status: int | str  # HTTP status, or the exception's class name
    server: str = ""  # the base address the request went to
    teacher: int = -1  # the plan's index of the teacher who sent it


@dataclass
class Outcome:
    """What one teacher did and was told."""

    plan: Plan
    response_id: str | None = None
    token: str | None = None
    joins_sent: int = 0  # join POSTs sent (a kill can store one without telling the teacher)
    saves: list[tuple[int, dict]] = field(default_factory=list)  # acknowledged (page, typed answers), in order
    submitted: bool = False
    done: bool = False
    interruptions: int = 0
    resumes: list[dict] = field(default_factory=list)  # {"location", "ok", "expected"} for each resume
    failure: str | None = None


@dataclass
class Run:
    """Shared settings and the record of every request."""

    base: str
    invite: str
    key: str | None = None  # the app's secret key: reads the private link from the session cookie
    think: tuple[float, float] = (0.0, 0.0)  # seconds between opening a page and sending it
    ramp: float = 0.0  # teachers arrive spread over this many seconds
    recover: bool = False  # after an error, resume through the private link (crash test) or give up (load test)
    check_fields: bool = True  # every field to be posted must be on the page (off for the baseline app)
    deadline: float = 0.0  # monotonic time by which every teacher stops
    max_requests: int = 80  # per teacher, a bound whatever happens
    samples: list[Sample] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    pages: dict[str, str] = field(default_factory=dict)  # one copy of each page's HTML (path -> text)
    outcomes: list = field(default_factory=list)  # every teacher's outcome, filled in as they go
    bases: tuple[str, ...] = ()  # several servers: each request goes to one of them at random (else `base`)
    teachers: int = 0  # how many `drive` set off
    started: int = 0  # of those, how many `saver`s have started (or failed to)
    all_started: asyncio.Event | None = None  # set once every `saver` has: then the page saves begin


def _serializer(key: str):  # noqa: ANN202
    app = Flask(__name__)  # this module: a name that is not a folder (bench/ may be on the path twice)
    app.secret_key = key
    return SecureCookieSessionInterface().get_signing_serializer(app)


def form_fields(html: str) -> tuple[dict[str, str], set[str]]:
    """The hidden inputs' values (csrf_token, revision) and every field name in a page's HTML."""
    hidden = {}
    for tag in INPUT_RE.findall(html):
        if 'type="hidden"' in tag:
            name, value = NAME_RE.search(tag), VALUE_RE.search(tag)
            if name and value:
                hidden[name.group(1)] = value.group(1)
    return hidden, set(NAME_RE.findall(html))


class Browser:
    """One teacher's browser: a session cookie (managed here: it is `Secure`, and this is plain HTTP
    on the loopback, where a proxy would normally terminate HTTPS) and timed requests."""

    def __init__(self, http: aiohttp.ClientSession, run: Run, base: str | None = None):
        self.http, self.run, self.cookie, self.count = http, run, None, 0
        self.base = base  # always this server; None: `run.base`, or one of `run.bases` at random per request
        self.last_base = ""  # the server the latest request went to
        self.teacher = -1  # whose browser this is (the plan's index), for the record of requests

    async def go(self, step: str, method: str, path: str, data: list | None = None) -> tuple[int, str, str]:
        """One request, not following redirects: (status, Location, body)."""
        self.count += 1
        if self.count > self.run.max_requests:
            raise Unexpected(f"more than {self.run.max_requests} requests")
        headers = {"Cookie": f"session={self.cookie}"} if self.cookie else {}
        base = self.last_base = self.base or (random.choice(self.run.bases) if self.run.bases else self.run.base)
        began = time.monotonic()
        try:
            async with self.http.request(method, base + path, data=data, headers=headers,
                                         allow_redirects=False) as answer:
                body = await answer.text()
                status, location = answer.status, answer.headers.get("Location", "")
                morsel = answer.cookies.get("session")
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            self.run.samples.append(Sample(step, began, time.monotonic() - began, type(exc).__name__, base,
                                           self.teacher))
            raise
        self.run.samples.append(Sample(step, began, time.monotonic() - began, status, base, self.teacher))
        if morsel is not None:
            self.cookie = morsel.value or None  # an empty value deletes it
        if status >= 500 or status not in (200, 302, 303):
            raise Unexpected(f"{method} {path}: {status}")
        return status, location, body


async def _think(run: Run) -> None:
    low, high = run.think
    if high > 0:
        await asyncio.sleep(random.uniform(low, high))


def _expected_resume(outcome: Outcome) -> list[str]:
    """Where a private link may lead: after the last acknowledged save, or one further if a save
    (or the submission) was stored but its acknowledgement lost to a kill."""
    if outcome.submitted:
        return [SUMMARY]
    path = outcome.plan.path
    at = path.index(f"/questionnaire/page/{outcome.saves[-1][0]}") + 1 if outcome.saves else 0
    return path[at:at + 2] + ([SUMMARY] if path[at] == REVIEW else [])


async def teacher(http: aiohttp.ClientSession, run: Run, plan: Plan) -> Outcome:
    """Drive one teacher through the whole questionnaire; returns what they did and were told."""
    outcome, browser = Outcome(plan), Browser(http, run)
    browser.teacher = plan.index
    run.outcomes.append(outcome)
    await asyncio.sleep(random.uniform(0, run.ramp))
    run.in_flight += 1
    run.max_in_flight = max(run.max_in_flight, run.in_flight)
    location = None
    pause = 0.1
    try:
        while not outcome.done:
            if time.monotonic() > run.deadline:
                outcome.failure = "deadline"
                break
            try:
                if outcome.token is None:
                    location = await _join(browser, run, plan, outcome)
                elif location is None:
                    location = await _resume(browser, outcome)
                location = await _step(browser, run, plan, outcome, location)
                pause = 0.1
            except (TimeoutError, aiohttp.ClientError, OSError, Unexpected) as exc:
                if not run.recover or browser.count > run.max_requests:
                    outcome.failure = f"{type(exc).__name__}: {exc}"
                    break
                # The server went away (or answered oddly): wait a little, then come back through the
                # private link as a teacher would, or start again if the start was never acknowledged.
                outcome.interruptions += 1
                location = None
                await asyncio.sleep(pause)
                pause = min(pause * 2, 1.0)
    finally:
        run.in_flight -= 1
    return outcome


async def _join(browser: Browser, run: Run, plan: Plan, outcome: Outcome) -> str:
    browser.cookie = None
    status, _, html = await browser.go("join_get", "GET", f"/join/{run.invite}")
    hidden, _ = form_fields(html)
    run.pages.setdefault("/join", html)
    await _think(run)
    outcome.joins_sent += 1
    status, location, _ = await browser.go("join_post", "POST", f"/join/{run.invite}",
                                           [("csrf_token", hidden.get("csrf_token", "")), ("school", plan.school)])
    if status != 302 or not location.startswith("/resume/"):
        raise Unexpected(f"join answered {status} {location}")
    # The private link is shown once, on the page join leads to; the session holds only a reference.
    outcome.token = location.split("/resume/", 1)[1].split("?", 1)[0]
    session = _serializer(run.key).loads(browser.cookie) if run.key else {}
    outcome.response_id = session.get("response", [None, None])[1]
    status, _, _ = await browser.go("link_get", "GET", location)
    if status != 200:
        raise Unexpected(f"the private link page answered {status}")
    return "/questionnaire/page/1"


async def _resume(browser: Browser, outcome: Outcome) -> str:
    browser.cookie = None  # a fresh browser, with only the private link
    status, location, _ = await browser.go("resume", "GET", f"/resume/{outcome.token}")
    expected = _expected_resume(outcome)
    ok = status == 302 and location in expected
    outcome.resumes.append({"location": location, "expected": expected, "ok": ok, "server": browser.last_base,
                            "at": time.monotonic()})
    if not ok:
        raise Unexpected(f"resume answered {status} {location}, expected one of {expected}")
    return location


async def _step(browser: Browser, run: Run, plan: Plan, outcome: Outcome, location: str) -> str:
    """GET the page at `location` and act on it; returns where to go next."""
    path = location.split("?", 1)[0]
    if path == SUMMARY:
        status, redirect, html = await browser.go("summary_get", "GET", location)
        if status == 302:
            return redirect  # not submitted after all: follow it round
        run.pages.setdefault(SUMMARY, html)
        outcome.done = True
        return location
    step = "review_get" if path == REVIEW else "page_get"
    status, redirect, html = await browser.go(step, "GET", location)
    if status == 302:
        return redirect  # a hidden page, or already submitted
    run.pages.setdefault(path, html)
    hidden, names = form_fields(html)
    await _think(run)
    if path == REVIEW:
        status, redirect, _ = await browser.go("submit_post", "POST", "/questionnaire/submit",
                                               [("csrf_token", hidden.get("csrf_token", "")),
                                                ("revision", hidden.get("revision", ""))])
        if status != 302 or redirect != SUMMARY:
            raise Unexpected(f"submit answered {status} {redirect}")
        outcome.submitted = True
        return redirect
    number = int(path.rsplit("/", 1)[1])
    posts = plan.posts[number]
    missing = {name for name, _ in posts} - names if run.check_fields else set()
    if missing:
        raise Unexpected(f"page {number} has no field {sorted(missing)}")
    status, redirect, _ = await browser.go("page_post", "POST", path,
                                           [("csrf_token", hidden.get("csrf_token", "")),
                                            ("revision", hidden.get("revision", "")), *posts])
    if status != 302:
        raise Unexpected(f"page {number} save answered {status}")
    outcome.saves.append((number, plan.page_answers[number]))
    return redirect


async def saver(http: aiohttp.ClientSession, run: Run, plan: Plan, saves: int = 10) -> Outcome:
    """A teacher who starts, then saves their pages over and over with no thinking: page saves flat out.

    After the start and one GET of the first page (its form's csrf_token and revision), the teacher waits until
    every teacher has started, so that the run's page saves are timed on their own, not beside other teachers'
    starts (a start renders three pages: far more work than a save). Then every request is a save of the next
    page of their path, round and round; the revision goes up by one with each acknowledged save, as the page
    the redirect leads to would show it.
    """
    outcome, browser = Outcome(plan), Browser(http, run)
    browser.teacher = plan.index
    run.outcomes.append(outcome)
    await asyncio.sleep(random.uniform(0, run.ramp))
    run.in_flight += 1
    run.max_in_flight = max(run.max_in_flight, run.in_flight)
    pages = [int(p.rsplit("/", 1)[1]) for p in plan.path if p != REVIEW]
    try:
        try:
            first = await _join(browser, run, plan, outcome)
            _, _, html = await browser.go("page_get", "GET", first)
            hidden, _ = form_fields(html)
            revision = int(hidden.get("revision") or 0)
        finally:
            await _every_teacher_started(run)
        for n in range(saves):
            if time.monotonic() > run.deadline:
                raise Unexpected("deadline")
            number = pages[n % len(pages)]
            status, _, _ = await browser.go("page_post", "POST", f"/questionnaire/page/{number}",
                                            [("csrf_token", hidden.get("csrf_token", "")),
                                             ("revision", str(revision)), *plan.posts[number]])
            if status != 302:
                raise Unexpected(f"page {number} save answered {status}")
            outcome.saves.append((number, plan.page_answers[number]))
            revision += 1
        outcome.done = True
    except (TimeoutError, aiohttp.ClientError, OSError, Unexpected) as exc:
        outcome.failure = f"{type(exc).__name__}: {exc}"
    finally:
        run.in_flight -= 1
    return outcome


async def _every_teacher_started(run: Run) -> None:
    """Count this teacher as started, and wait until every teacher `drive` set off is (or the deadline)."""
    run.started += 1
    if run.started >= run.teachers:
        run.all_started.set()
    with contextlib.suppress(TimeoutError):  # past the deadline: the teacher's own check says so
        await asyncio.wait_for(run.all_started.wait(), max(0.0, run.deadline - time.monotonic()))


async def drive(run: Run, plans: list[Plan], timeout: float, journey=None) -> tuple[list[Outcome], float]:  # noqa: ANN001
    """Every teacher at once (arrivals spread over `run.ramp`); returns their outcomes and the wall seconds.

    `journey(http, run, plan)` is what each one does: by default `teacher`, the whole questionnaire.
    """
    run.deadline = time.monotonic() + timeout
    run.teachers, run.started, run.all_started = len(plans), 0, asyncio.Event()
    connector = aiohttp.TCPConnector(limit=0, force_close=True)  # gunicorn's sync workers close every connection
    began = time.monotonic()
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
                                     timeout=aiohttp.ClientTimeout(total=60)) as http:
        outcomes = await asyncio.gather(*((journey or teacher)(http, run, plan) for plan in plans))
    return list(outcomes), time.monotonic() - began


# -- figures ---------------------------------------------------------------------------------------------------
def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[int(rank) - 1]


def latency(samples: list[Sample]) -> dict[str, dict[str, float]]:
    """p50/p95/p99/max milliseconds and count per step, over the requests that got an HTTP answer."""
    by_step: dict[str, list[float]] = {}
    for s in samples:
        if isinstance(s.status, int):
            by_step.setdefault(s.step, []).append(s.seconds * 1000)
    found = {}
    for step, values in sorted(by_step.items()):
        values.sort()
        found[step] = {"p50": round(percentile(values, 50), 1), "p95": round(percentile(values, 95), 1),
                       "p99": round(percentile(values, 99), 1), "max": round(values[-1], 1), "n": len(values)}
    return found


def errors(samples: list[Sample]) -> dict[str, int]:
    """Requests that did not get a 200 or a redirect, by status (or exception), e.g. {"409": 2}."""
    return dict(Counter(str(s.status) for s in samples if s.status not in (200, 302, 303)))


def throughput(samples: list[Sample]) -> dict[str, float]:
    """Requests answered per second, from the first request sent to the last answer."""
    answered = [s for s in samples if isinstance(s.status, int)]
    if not answered:
        return {"requests": 0, "seconds": 0.0, "requests_per_second": 0.0}
    span = max(s.started + s.seconds for s in answered) - min(s.started for s in answered)
    return {"requests": len(answered), "seconds": round(span, 2), "requests_per_second": round(len(answered) / span, 1)}


# -- what the store holds, compared with what teachers were told -------------------------------------------------
def _replay(definition, saves: list[tuple[int, dict]]) -> dict:  # noqa: ANN001
    record = {"status": "draft", "revision": 0, "answers": {}, "warned": []}
    for number, answers in saves:
        record = save_page(record, definition, number - 1, dict(answers), record["revision"])
    return json.loads(json.dumps(record["answers"]))  # as the store keeps it


def check_files(data: Path) -> dict[str, Any]:
    """Every JSON file in the store parses; temporary files left by a write cut short are counted."""
    root = Path(data) / "store"
    damaged = []
    files = sorted(root.rglob("*.json"))
    for path in files:
        try:
            json.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            damaged.append(f"{path.relative_to(root)}: {exc}")
    leftovers = sorted(str(p.relative_to(root)) for p in root.rglob(".*.tmp"))
    return {"json_files": len(files), "damaged": damaged, "temporary_files_left": leftovers, "ok": not damaged}


def check_store(store: Store, cohort_id: str, definition, outcomes: list[Outcome], exact: bool) -> dict[str, Any]:  # noqa: ANN001
    """Compare the cohort's stored responses with every acknowledgement the teachers received.

    `store` is any backend, opened as the app opens it (`open_store(data_dir, database_url)`).

    `exact` (no crashes): the store holds exactly the acknowledged responses, and each one's answers and
    revision are exactly the replay of its acknowledged saves. Otherwise (after kills) a write can be stored
    while its acknowledgement was lost: every acknowledged save and submission must still be there, no stored
    answer may be one the teacher never sent, and responses nobody was told about are only counted.
    """
    stored = store.list_responses(cohort_id)
    ids = Counter(r["id"] for r in stored)
    by_id = {r["id"]: r for r in stored}
    acked = {o.response_id: o for o in outcomes if o.response_id}
    problems: list[str] = []
    lost_saves = lost_submissions = foreign = unacknowledged_writes = 0
    for rid, outcome in acked.items():
        record = by_id.get(rid)
        if record is None:
            problems.append(f"teacher {outcome.plan.index}: acknowledged response {rid} is not stored")
            lost_saves += len(outcome.saves)
            lost_submissions += outcome.submitted
            continue
        answers = record["answers"]
        for number, page in outcome.saves:
            if any(answers.get(k) != json.loads(json.dumps(v)) for k, v in page.items()):
                lost_saves += 1
                problems.append(f"teacher {outcome.plan.index}: acknowledged page {number} differs in the store")
        wrong = {k for k, v in answers.items() if json.loads(json.dumps(outcome.plan.answers.get(k))) != v}
        if wrong:
            foreign += 1
            problems.append(f"teacher {outcome.plan.index}: stored answers never sent: {sorted(wrong)}")
        if outcome.submitted and (record["status"] != "submitted" or not record.get("scores")):
            lost_submissions += 1
            problems.append(f"teacher {outcome.plan.index}: acknowledged submission is not stored")
        if exact:
            if answers != _replay(definition, outcome.saves):
                problems.append(f"teacher {outcome.plan.index}: answers are not exactly the acknowledged saves")
            if record["revision"] != len(outcome.saves) + outcome.submitted:
                problems.append(f"teacher {outcome.plan.index}: revision {record['revision']} after "
                                f"{len(outcome.saves)} saves and {int(outcome.submitted)} submission")
            if record["status"] != ("submitted" if outcome.submitted else "draft"):
                problems.append(f"teacher {outcome.plan.index}: status {record['status']} was never acknowledged")
        else:
            extra = record["revision"] - len(outcome.saves) - outcome.submitted
            unacknowledged_writes += max(0, extra)
            if extra < 0:
                problems.append(f"teacher {outcome.plan.index}: revision {record['revision']} is lower than the "
                                f"{len(outcome.saves) + outcome.submitted} writes acknowledged")
        if not exact and outcome.done and answers != json.loads(json.dumps(outcome.plan.answers)):
            problems.append(f"teacher {outcome.plan.index}: finished, but the stored answers are not all theirs")
    unacknowledged = sorted(set(ids) - set(acked))
    if exact and unacknowledged:
        problems.append(f"{len(unacknowledged)} stored response(s) no teacher was told about")
    duplicated = sorted(rid for rid, n in ids.items() if n > 1)
    if duplicated:
        problems.append(f"response ids stored more than once: {duplicated}")
    joins = sum(o.joins_sent for o in outcomes)
    if len(unacknowledged) > joins - len(acked):
        problems.append("more unacknowledged responses than join requests that went unanswered")
    return {
        "responses_stored": len(stored), "acknowledged_responses": len(acked),
        "acknowledged_saves": sum(len(o.saves) for o in outcomes),
        "acknowledged_submissions": sum(o.submitted for o in outcomes),
        "submitted_stored": sum(r["status"] == "submitted" for r in stored),
        "lost_saves": lost_saves, "lost_submissions": lost_submissions, "duplicated": len(duplicated),
        "responses_with_answers_never_sent": foreign,
        "stored_without_acknowledgement": len(unacknowledged),
        **({} if exact else {"writes_stored_without_acknowledgement": unacknowledged_writes}),
        "problems": problems[:20], "problem_count": len(problems), "ok": not problems,
    }


async def check_resume_links(base: str | list[str], outcomes: list[Outcome]) -> dict[str, Any]:
    """Every teacher's private link, opened in a fresh browser, leads to their response at the right page.

    With several servers (`base` a list), the links are shared out among them in turn, so each one is tried.
    """
    bases = [base] if isinstance(base, str) else list(base)
    run = Run(base=bases[0], invite="", deadline=time.monotonic() + 120, max_requests=10)
    wrong = []
    served: Counter = Counter()
    connector = aiohttp.TCPConnector(limit=20, force_close=True)
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
                                     timeout=aiohttp.ClientTimeout(total=60)) as http:
        async def one(n: int, outcome: Outcome) -> None:
            copy = Outcome(outcome.plan, saves=outcome.saves, submitted=outcome.submitted, token=outcome.token)
            browser = Browser(http, run, bases[n % len(bases)])
            try:
                location = await _resume(browser, copy)
                if location == SUMMARY:  # and the summary opens with that session
                    await browser.go("summary_get", "GET", SUMMARY)
                served[browser.base] += 1
            except (TimeoutError, aiohttp.ClientError, OSError, Unexpected) as exc:
                wrong.append(f"teacher {outcome.plan.index}: {exc}")

        await asyncio.gather(*(one(n, o) for n, o in enumerate(o for o in outcomes if o.token)))
    found = {"links_opened": sum(1 for o in outcomes if o.token), "wrong": wrong[:20], "ok": not wrong}
    return {**found, "opened_on": dict(served)} if len(bases) > 1 else found


def new_key() -> str:
    """A production secret key for one run (kept the same across restarts, as the guide says)."""
    return secrets.token_hex(32)


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]
