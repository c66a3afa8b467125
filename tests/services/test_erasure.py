"""Erasing a teacher: nothing about them is left in the store, the exports or the pages, and their partner is freed."""

from __future__ import annotations

import json
import random
import re
import secrets

import pytest
from pages import visible_text
from stored import damage_grouping, places_holding, stored
from werkzeug.datastructures import MultiDict

from diagnostic.cli import cli
from diagnostic.engines.scrub import GOAL_GONE, NAME_GONE
from diagnostic.services import grouping, partnerships, peer_assessment
from diagnostic.services.cohorts import create_cohort, definition_dirs, published_definition
from diagnostic.services.csvio import export_csv, export_json, submitted_response
from diagnostic.services.cycles import close_current, open_next
from diagnostic.services.demo import PROFILES, teacher_answers
from diagnostic.services.erasure import ASKED, ERASED, FORMER, UnknownTeacher, erase, find_teacher
from diagnostic.services.journey import hash_secret
from diagnostic.storage.interface import StoreError
from forms.catalog import find_definition
from models.persist import loads
from tests.web.test_partner import build

pytestmark = pytest.mark.both_backends  # on the TinyDB store and on PostgreSQL (tests/conftest.py)

CSRF = re.compile(r'name="[a-z-]*csrf_token" type="hidden" value="([^"]+)"')
REVISION = re.compile(r'id="revision" name="revision" type="hidden" value="(\d+)"')
PAIRING = {"consent": "yes", "availability": ["lunchtime"], "observation_comfort": 4, "coaching_role": "both",
           "career_stage": "established", "confidence_questioning": 3, "confidence_feedback": 3}
# The teacher to be erased typed these; none may be found anywhere afterwards.
ZED = {"name": "Zephyrine Quillfeather", "ref": "ref-zq-4471", "goal": "Pupils argue the Marrowbone conjecture aloud.",
       "notes": "Tuesdays only; I job-share with Ottoline Frampington.", "agreement": "Zed's lanternfish protocol"}
BEA = {"name": "Beatrix Oakmoor", "approach": "Plan one lesson together each fortnight in the Hollybush room.",
       "observe_when": "Wednesdays, period 4"}
OTHERS = [("Cal Upton", "Ashfield", "questioning"), ("Dan Vesey", "Brook Lane", "questioning"),
          ("Eve Wrenfield", "Ashfield", "feedback"), ("Fay Yardley", "Brook Lane", "feedback"),
          ("Gus Abbot", "Ashfield", "questioning"), ("Hal Brent", "Brook Lane", "feedback"),
          ("Ivy Corran", "Ashfield", "questioning"), ("Jon Dace", "Brook Lane", "feedback")]


def csrf(html: str) -> str:
    return CSRF.search(html).group(1)


def add_teacher(store, cohort, definition, name, school, focus, ref, n, goal="", notes=""):
    """A submitted teacher with a private link; returns (response id, link token)."""
    answers = {**teacher_answers(definition, PROFILES[n % len(PROFILES)], random.Random(n)), **PAIRING,
               "teacher_name": name, "focus_choice": [focus], "focus_goal": goal, "coaching_notes": notes}
    answers = {k: v for k, v in answers.items() if v != "" and k != "partner_school"}
    record = submitted_response(cohort, definition, answers, ref, school)
    secret = secrets.token_hex(24)
    record["token_hash"] = hash_secret(secret)
    store.add_responses(cohort["id"], [record])
    return record["id"], f"{cohort['id']}.{record['id']}.{secret}"


def as_teacher(app, token):
    """A browser of its own that opened this private link."""
    browser = app.test_client()
    assert browser.get(f"/resume/{token}").status_code == 302
    return browser


def save_agreement(browser, pid, pairs):
    html = browser.get(f"/questionnaire/agreement/{pid}").text
    data = MultiDict([("csrf_token", csrf(html)), ("revision", REVISION.search(html).group(1)), *pairs])
    assert browser.post(f"/questionnaire/agreement/{pid}", data=data).status_code == 302


@pytest.fixture
def world(app, store, cohort):
    """Zed, grouped, co-coaching with Bea (agreement filled), locked and ruled out elsewhere, who asked to go."""
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    zed, zed_token = add_teacher(store, cohort, definition, ZED["name"], "Ashfield", "questioning", ZED["ref"], 0,
                                 ZED["goal"], ZED["notes"])
    bea, bea_token = add_teacher(store, cohort, definition, BEA["name"], "Brook Lane", "questioning", "ref-bea", 1,
                                 "Fewer hands up.")
    ids, tokens = {"Zed": zed, "Bea": bea}, {"Zed": zed_token, "Bea": bea_token}
    for n, (name, school, focus) in enumerate(OTHERS, start=2):
        ids[name.split()[0]], tokens[name.split()[0]] = add_teacher(store, cohort, definition, name, school, focus,
                                                                    f"ref-{n}", n)
    grouping.refit(store, cohort, k=2)
    partnerships.lock(store, cohort, "co-coaching", [zed, bea])
    with app.app_context():
        made = partnerships.confirm(store, cohort, "co-coaching", partnerships.run(store, cohort, "co-coaching")["id"])
    pid = next(p["id"] for p in made if zed in p["members"])
    zed_browser, bea_browser = as_teacher(app, zed_token), as_teacher(app, bea_token)
    save_agreement(zed_browser, pid, [("focus", ZED["agreement"]), ("approach", ZED["agreement"])])
    goals = f"{ZED['name']}: {ZED['goal']}\n{BEA['name']}: Fewer hands up."
    save_agreement(bea_browser, pid, [("focus", "Questioning"), ("goals", goals), ("approach", BEA["approach"]),
                                      ("observe_when", BEA["observe_when"]),
                                      ("feedback", f"Talk it over with {ZED['name']} the same day.")])
    # Still in the coordinator's plans for other kinds of coaching: locked as a mentee, ruled out with Dan.
    partnerships.lock(store, cohort, "mentoring", [ids["Cal"], zed])
    partnerships.forbid(store, cohort, zed, ids["Dan"])
    partnerships.run(store, cohort, "mentoring")
    page = zed_browser.get("/questionnaire/my-data/delete")
    assert zed_browser.post("/questionnaire/my-data/delete", data={"csrf_token": csrf(page.text),
                                                                   "confirm": "yes"}).status_code == 302
    return {"ids": ids, "tokens": tokens, "pair": pid, "zed": zed_browser, "bea": bea_browser}


def needles(world) -> list[str]:
    return [world["ids"]["Zed"], ZED["name"], ZED["ref"], ZED["goal"], ZED["notes"], ZED["agreement"],
            "Zephyrine", "Marrowbone", "Ottoline", "lanternfish"]


def store_files(app) -> dict[str, bytes]:
    """Everything the store keeps (its files, or its database rows), by place."""
    return stored(app.extensions["store"])


def invoke(runner, *args, given=None):
    """Run `diagnostic ...` on the test app; no Python exception may escape."""
    result = runner.invoke(cli, args=list(args), input=given)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def admin_erase(client, cohort_id, reference):
    """The admin's two steps: choose the teacher and see what goes, then say yes."""
    page = client.get("/admin/erasure").text
    form = {"csrf_token": csrf(page), "erase-cohort": cohort_id, "erase-reference": reference}
    confirm = client.post("/admin/erasure", data=form)
    assert confirm.status_code == 200 and "Yes, erase teacher" in confirm.text
    done = client.post("/admin/erasure", data={**form, "erase-confirm": "yes"})
    assert done.status_code == 302
    return confirm, client.get(done.headers["Location"])


def test_the_teacher_was_really_held_everywhere_before_erasure(app, store, cohort, world):
    # Without this the test below could pass because the scene was never set up.
    files = store_files(app)
    text = b"".join(files.values())
    for needle in (world["ids"]["Zed"], ZED["name"], ZED["goal"], ZED["notes"]):
        assert needle.encode() in text
    assert world["ids"]["Zed"] in store.load_grouping(cohort["id"])["members"]
    rules = store.pairing_state(cohort["id"], "all")["forbidden"]
    assert any(world["ids"]["Zed"] in p for p in rules)
    assert store.pairing_state(cohort["id"], "mentoring")["proposal"] is not None
    assert store.get_response(cohort["id"], world["ids"]["Zed"])["erasure_requested_at"]


def test_after_an_admin_erases_a_teacher_nothing_about_them_remains(app, client, store, cohort, world):
    zed = world["ids"]["Zed"]
    confirm, after = admin_erase(client, cohort["id"], ZED["ref"])
    assert ZED["ref"] in confirm.text and ZED["name"] not in confirm.text  # shown by reference only
    assert "Erased teacher" in after.text
    # Every file the store keeps, byte by byte (JSON escapes nothing in these ASCII strings).
    for path, content in store_files(app).items():
        for needle in needles(world):
            assert needle.encode() not in content, f"{needle!r} is still in {path}"
    record = store.load_grouping(cohort["id"])
    assert zed not in record["members"] and len(record["members"]) == 9
    model = loads(store.load_model(cohort["id"]), record["model"])
    estimator = model["pipeline"][-1]
    assert not hasattr(estimator, "labels_") and not hasattr(estimator.model_, "labels_")
    assert estimator.predict(estimator.cluster_centers_).tolist() == [0, 1]  # it still places teachers
    # Exports and pages an admin can open (admins see every specialist and coordinator page).
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    responses = store.list_responses(cohort["id"])
    outputs = {"export.csv": export_csv(definition, responses), "export.json": export_json(definition, responses)}
    base = f"/specialist/cohorts/{cohort['id']}"
    urls = [f"{base}/", f"{base}/focuses", *(f"{base}/export/{n}" for n in ("members.csv", "profiles.csv",
                                                                           "grouping.json")),
            *(f"{base}/groups/{g['key']}" for g in record["groups"])]
    base = f"/coordinator/cohorts/{cohort['id']}"
    urls += [f"{base}/{page}" for page in ("expertise", "expertise.csv", "expertise.json", "specialists", "menu",
                                           "partnerships/co-coaching", "partnerships/mentoring",
                                           "partnerships/specialist")]
    urls += ["/admin/", "/admin/erasure", "/admin/audit", "/admin/cohorts"]
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, url
        outputs[url] = page.text
    for where, text in outputs.items():
        for needle in needles(world):
            assert needle not in text, f"{needle!r} is still in {where}"
    assert BEA["name"] in outputs["export.csv"]  # the exports still hold everyone else


def test_the_former_partner_is_told_is_open_again_keeps_their_answers_and_can_be_paired_again(
        app, client, store, cohort, world):
    admin_erase(client, cohort["id"], world["ids"]["Zed"])
    bea = world["bea"]
    summary = bea.get("/questionnaire/summary").text
    assert "Your partner has withdrawn from the programme" in summary
    told = bea.get("/questionnaire/partner").text
    assert "Your partner has withdrawn from the programme" in told and "has not been confirmed yet" in told
    assert "Your partner has withdrawn" not in bea.get("/questionnaire/partner").text  # told once
    record = store.get_response(cohort["id"], world["ids"]["Bea"])
    assert record["pair"] == {"partnerships": {}, "status": "open"} and "partner_withdrew" not in record
    # The partnership record: withdrawn, only Bea left in it, her agreement answers kept.
    kept = store.get_partnership(cohort["id"], world["pair"])
    assert kept["status"] == "withdrawn" and kept["members"] == [world["ids"]["Bea"]]
    assert kept["names"] == [BEA["name"]] and kept["schools"] == ["Brook Lane"]
    assert "reasons" not in kept and "score" not in kept
    answers = kept["agreement"]["answers"]
    assert answers["approach"] == BEA["approach"] and answers["observe_when"] == BEA["observe_when"]
    assert answers["goals"] == f"{BEA['name']}: Fewer hands up."
    assert answers["feedback"] == f"Talk it over with {NAME_GONE} the same day."
    assert kept["agreement"]["updated_by"] == BEA["name"]
    # She can change her focus, and be paired again.
    menu = bea.get("/questionnaire/menu").text
    assert bea.post("/questionnaire/menu", data={"csrf_token": csrf(menu), "focus": "feedback",
                                                 "goal": "Sharper feedback."}).status_code == 302
    assert store.get_response(cohort["id"], world["ids"]["Bea"])["choice"]["focuses"] == ["feedback"]
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    kit, _ = add_teacher(store, cohort, definition, "Kit Lorne", "Ashfield", "feedback", "ref-kit", 11)
    with app.app_context():
        made = partnerships.confirm(store, cohort, "co-coaching", partnerships.run(store, cohort, "co-coaching")["id"])
    assert sorted(p["members"] for p in made) == [sorted([world["ids"]["Bea"], kit])]
    assert "Kit Lorne" in visible_text(bea.get("/questionnaire/partner").text)


def test_the_coordinators_plans_forget_the_teacher_and_the_group_names_stay(app, client, store, cohort, world):
    store.set_group_label(cohort["id"], "A", {"name": "Keen questioners", "note": "Start with wait time."})
    admin_erase(client, cohort["id"], ZED["ref"])
    assert store.pairing_state(cohort["id"], "all")["forbidden"] == []
    mentoring = store.pairing_state(cohort["id"], "mentoring")
    assert mentoring["locked"] == [] and mentoring["proposal"] is None
    assert store.group_labels(cohort["id"])["A"]["name"] == "Keen questioners"
    assert store.get_response(cohort["id"], world["ids"]["Zed"]) is None
    assert world["zed"].get("/questionnaire/summary").status_code == 403  # their link leads nowhere now


def test_the_audit_log_says_a_teacher_was_erased_without_naming_them(app, client, store, cohort, world):
    admin_erase(client, cohort["id"], ZED["ref"])
    log = store.audit_log()
    asked = [e for e in log if e["action"] == ASKED]
    erased = [e for e in log if e["action"] == ERASED]
    assert len(asked) == 1 and len(erased) == 1
    assert erased[0]["cohort"] == cohort["id"] and "1 partnership ended" in erased[0]["what"]
    assert "they had asked" in erased[0]["what"] and erased[0]["actor"].endswith("@example.org")
    for entry in log:
        for needle in needles(world):
            assert needle not in json.dumps(entry)


def test_a_deletion_request_appears_on_the_admin_page_and_goes_once_erased(client, store, cohort, world):
    page = client.get("/admin/erasure").text
    assert "1 request waiting" in page and ZED["ref"] in page and "Test network" in page
    assert ZED["name"] not in page
    assert 'href="/admin/erasure"' in client.get("/admin/").text
    # The request's own button leads to the confirmation step, which shows the reference only.
    row = dict(re.findall(r'<input type="hidden" name="(erase-[a-z]+)" value="([^"]*)">', page))
    confirm = client.post("/admin/erasure", data={"csrf_token": csrf(page), **row})
    assert confirm.status_code == 200 and f"Erase teacher <code>{ZED['ref']}</code>?" in confirm.text
    assert "They asked for this on" in confirm.text and "1 confirmed partnership with them will end" in confirm.text
    assert store.get_response(cohort["id"], world["ids"]["Zed"]) is not None  # nothing happens before "yes"
    admin_erase(client, cohort["id"], world["ids"]["Zed"])
    assert "No teacher has asked" in client.get("/admin/erasure").text


@pytest.mark.parametrize("cohort_id, reference, status, message", [
    ("test-network", "ref-nobody", 404, "There is no teacher with reference or response id"),
    ("test-network", "0123456789abcdef", 404, "There is no teacher with reference or response id"),
    ("test-network", "", 422, "Enter the teacher&#39;s reference or response id."),
    ("test-network", "x" * 101, 422, "Field cannot be longer than 100 characters."),
    ("no-such-cohort", ZED["ref"], 422, "Not a valid choice."),
])
def test_erasing_an_unknown_teacher_is_a_clear_error_that_changes_nothing(app, client, cohort, world, cohort_id,
                                                                          reference, status, message):
    before = store_files(app)
    page = client.get("/admin/erasure").text
    cohort_id = cohort["id"] if cohort_id == "test-network" else cohort_id
    for confirm in ("", "yes"):
        answer = client.post("/admin/erasure", data={"csrf_token": csrf(page), "erase-cohort": cohort_id,
                                                     "erase-reference": reference, "erase-confirm": confirm})
        assert answer.status_code == status and message in answer.text and 'class="error-summary"' in answer.text
    assert store_files(app) == before


def test_a_teacher_in_another_cohort_cannot_be_erased_from_this_one(app, client, store, shipped, cohort, world):
    other = create_cohort(store, shipped, "Other network", [])
    with pytest.raises(UnknownTeacher, match="nothing was erased"):
        find_teacher(store, other["id"], ZED["ref"])
    with pytest.raises(UnknownTeacher, match="nothing was erased"):
        erase(store, other["id"], world["ids"]["Zed"], "someone")


@pytest.mark.parametrize("cohort_id, response_id", [
    ("test-network", "0123456789abcdef"),  # well formed, not there
    ("test-network", "ref-zq-4471"),       # a reference is not a response id
    ("test-network", "../../etc"),          # never reaches a file name
    ("nowhere", None),                      # Zed's id, in a cohort that does not exist
])
def test_erase_refuses_an_unknown_response_before_changing_anything(app, store, cohort, world, cohort_id,
                                                                     response_id):
    before = store_files(app)
    cohort_id = cohort["id"] if cohort_id == "test-network" else cohort_id
    with pytest.raises(UnknownTeacher, match="nothing was erased"):
        erase(store, cohort_id, response_id or world["ids"]["Zed"], "admin@example.org")
    assert store_files(app) == before


def test_a_damaged_grouping_stops_the_erasure_before_anything_changes(app, client, store, cohort, world):
    damage_grouping(store, cohort["id"])
    before = store_files(app)
    with pytest.raises(StoreError, match="re-run the grouping"):
        erase(store, cohort["id"], world["ids"]["Zed"], "admin@example.org")
    assert store_files(app) == before


def test_a_teacher_in_a_cohort_never_grouped_or_paired_is_erased_too(app, store, shipped):
    fresh = create_cohort(store, shipped, "Fresh network", ["Ashfield"])
    definition = published_definition(store, fresh["form_id"], fresh["form_version"])
    alone, _ = add_teacher(store, fresh, definition, ZED["name"], "Ashfield", "feedback", ZED["ref"], 0)
    assert erase(store, fresh["id"], alone, "admin@example.org") == {"partnerships_ended": 0, "partners_told": 0}
    assert store.list_responses(fresh["id"]) == []
    assert ZED["name"].encode() not in b"".join(store_files(app).values())


def test_erasing_twice_is_an_error_the_second_time(client, store, cohort, world):
    erase(store, cohort["id"], world["ids"]["Zed"], "admin@example.org")
    with pytest.raises(UnknownTeacher):
        erase(store, cohort["id"], world["ids"]["Zed"], "admin@example.org")


def test_an_internal_expert_is_taken_off_the_list_and_the_teachers_they_coached_are_told(app, store, cohort, world):
    ids = world["ids"]
    expert = {"id": "s-gus", "name": "Gus the expert", "kind": "internal", "expertise": ["feedback"], "capacity": 1,
              "respondent": ids["Gus"]}
    store.update_cohort(cohort["id"], lambda c: {**c, "specialists": [expert]})
    cohort = store.get_cohort(cohort["id"])
    partnerships.lock(store, cohort, "specialist", ["s-gus", ids["Eve"], ids["Fay"]])
    with app.app_context():
        partnerships.confirm(store, cohort, "specialist", partnerships.run(store, cohort, "specialist")["id"])
    erase(store, cohort["id"], ids["Gus"], "admin@example.org")
    assert store.get_cohort(cohort["id"])["specialists"] == []
    led = [p for p in store.list_partnerships(cohort["id"]) if p["mode"] == "specialist"]
    assert [p["status"] for p in led] == ["withdrawn"] and led[0]["names"] == ["Eve Wrenfield", "Fay Yardley"]
    for name in ("Eve", "Fay"):
        record = store.get_response(cohort["id"], ids[name])
        # Still in their co-coaching partnership, so still settled; the specialist coaching is gone.
        assert record["pair"]["status"] == "confirmed" and list(record["pair"]["partnerships"]) == ["co-coaching"]
        assert [n["mode"] for n in record["partner_withdrew"]] == ["specialist"]
    assert b"Gus the expert" not in b"".join(store_files(app).values())


def test_in_specialist_coaching_the_teacher_simply_leaves_the_allocation(app, store, cohort, world):
    ids = world["ids"]
    store.update_cohort(cohort["id"], lambda c: {**c, "specialists": [
        {"id": "s-rao", "name": "Dr Rao", "kind": "specialist", "expertise": ["feedback"], "capacity": 1}]})
    cohort = store.get_cohort(cohort["id"])
    partnerships.lock(store, cohort, "specialist", ["s-rao", ids["Eve"], ids["Fay"]])
    with app.app_context():
        partnerships.confirm(store, cohort, "specialist", partnerships.run(store, cohort, "specialist")["id"])
    erase(store, cohort["id"], ids["Eve"], "admin@example.org")
    led = next(p for p in store.list_partnerships(cohort["id"]) if p["mode"] == "specialist")
    assert led["status"] == "confirmed" and led["members"] == ["s-rao", ids["Fay"]]
    assert led["names"] == ["Dr Rao", "Fay Yardley"]
    assert store.get_response(cohort["id"], ids["Fay"])["pair"]["status"] == "confirmed"


def test_the_last_saver_is_no_longer_named_and_only_what_they_changed_goes(app, store, cohort, world):
    # Zed saves last: the focus Bea wrote stays Bea's; the approach Zed rewrote is Zed's.
    save_agreement(world["zed"], world["pair"], [("focus", "Questioning"), ("approach", "Shared words")])
    erase(store, cohort["id"], world["ids"]["Zed"], "admin@example.org")
    agreement = store.get_partnership(cohort["id"], world["pair"])["agreement"]
    assert agreement["updated_by"] == FORMER and agreement["answers"] == {"focus": "Questioning"}


def test_a_partnership_with_no_teacher_left_is_removed(app, store, cohort, world):
    erase(store, cohort["id"], world["ids"]["Zed"], "admin@example.org")
    erase(store, cohort["id"], world["ids"]["Bea"], "admin@example.org")
    assert store.get_partnership(cohort["id"], world["pair"]) is None


def test_an_erasure_interrupted_part_way_is_finished_by_running_it_again(app, store, cohort, world, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store, "update_partnership", broken)
    with pytest.raises(OSError):
        erase(store, cohort["id"], world["ids"]["Zed"], "admin@example.org")
    monkeypatch.undo()
    erase(store, cohort["id"], world["ids"]["Zed"], "admin@example.org")
    record = store.get_response(cohort["id"], world["ids"]["Bea"])
    assert len(record["partner_withdrew"]) == 1 and record["pair"]["status"] == "open"
    assert store.get_partnership(cohort["id"], world["pair"])["status"] == "withdrawn"


# -- the command line ------------------------------------------------------------------------------------
def test_cli_erase_with_yes_erases(runner, store, cohort, world):
    result = invoke(runner, "erase", "--cohort", cohort["id"], "--respondent", ZED["ref"], "--yes")
    assert result.exit_code == 0, result.output
    assert f"erased teacher {ZED['ref']}" in result.output and "1 partnership(s) ended" in result.output
    assert store.get_response(cohort["id"], world["ids"]["Zed"]) is None
    assert store.audit_log()[-1]["actor"] == "command line"


def test_cli_erase_asks_first_and_yes_at_the_prompt_erases(runner, store, cohort, world):
    result = invoke(runner, "erase", "--cohort", cohort["id"], "--respondent", world["ids"]["Zed"], given="y\n")
    assert result.exit_code == 0 and "This cannot be undone" in result.output
    assert store.get_response(cohort["id"], world["ids"]["Zed"]) is None


@pytest.mark.parametrize("args, given, message", [
    (["--respondent", ZED["ref"]], "n\n", "Aborted"),               # refused at the prompt
    (["--respondent", ZED["ref"]], "", "Aborted"),                  # no one there to confirm
    (["--respondent", "ref-nobody", "--yes"], "", "no teacher with reference or response id 'ref-nobody'"),
    (["--respondent", "../x", "--yes"], "", "no teacher with reference or response id '../x'"),
])
def test_cli_erase_refuses_without_confirmation_or_a_known_teacher(app, runner, cohort, world, args, given,
                                                                   message):
    before = store_files(app)
    result = invoke(runner, "erase", "--cohort", cohort["id"], *args, given=given)
    assert result.exit_code == 1 and message in result.output
    assert store_files(app) == before


def test_cli_erase_names_an_unknown_cohort(app, runner, world):
    result = invoke(runner, "erase", "--cohort", "nowhere", "--respondent", ZED["ref"], "--yes")
    assert result.exit_code == 1 and "no cohort 'nowhere'" in result.output


# -- every word the teacher typed, through the real pages, and every file under the data directory -----------------
JO = {"name": "Zinnia Pembervale", "goal": "Pupils defend the Quorndon estimate in pairs before writing.",
      "menu_goal": "Every pupil voices one Quorndon reason aloud each lesson."}
JO_NEEDLES = ["zinnia", "pembervale", "quorndon", "zp-typed"]


def typed_everywhere(definition, marker: str) -> dict[str, str]:
    """A distinctive string for every question a person types their own words into."""
    return {q.id: f"{marker} {q.id} by Zinnia" for q in definition.questions() if q.type in ("short_text", "long_text")}


def test_erasure_leaves_no_word_the_teacher_typed_in_any_file_under_the_data_directory(app, client, store, shipped,
                                                                                       cohort):
    from tests.web.test_journey import answer_all, revision, start

    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    # Jo answers the whole questionnaire in the browser, typing something distinctive into every text field.
    jo_browser = app.test_client()
    row = {k: ";".join(v) if isinstance(v, list) else str(v) for k, v in
           teacher_answers(definition, PROFILES[0], random.Random(3)).items() if v not in ("", None, [])}
    row.update({k: ";".join(v) if isinstance(v, list) else str(v) for k, v in PAIRING.items()})
    row.update(typed_everywhere(definition, "zp-typed"), role="other", teacher_name=JO["name"], focus_goal=JO["goal"],
               focus_choice="questioning")
    row.pop("partner_school", None)
    start(jo_browser, cohort)
    answer_all(jo_browser, shipped, row)
    review = jo_browser.get("/questionnaire/review").text
    assert jo_browser.post("/questionnaire/submit", data={"csrf_token": csrf(review),
                                                          "revision": revision(review)}).status_code == 302
    menu = jo_browser.get("/questionnaire/menu").text
    assert jo_browser.post("/questionnaire/menu", data={"csrf_token": csrf(menu), "focus": "questioning",
                                                        "goal": JO["menu_goal"]}).status_code == 302
    (jo,) = [r["id"] for r in store.list_responses(cohort["id"]) if r["answers"].get("teacher_name") == JO["name"]]
    # Others write about Jo, in every form a colleague might.
    bea, bea_token = add_teacher(store, cohort, definition, BEA["name"], "Brook Lane", "questioning", "ref-bea", 1,
                                 "Fewer hands up.", notes="Happy to pair with zinnia, or ZINNIA PEMBERVALE.")
    ids = {"Jo": jo, "Bea": bea}
    for n, (name, school, focus) in enumerate(OTHERS, start=2):
        ids[name.split()[0]], _ = add_teacher(store, cohort, definition, name, school, focus, f"ref-{n}", n,
                                              notes="Ms Pembervale runs the maths club." if n == 2 else "")
    grouping.refit(store, cohort, k=2)
    grouping.rename(store, cohort, "A", "Zinnia's lot", "Watch how Zinnia Pembervale uses wait time.",
                    "Curious about Zinnia")
    partnerships.lock(store, cohort, "co-coaching", [jo, bea])
    partnerships.lock(store, cohort, "co-coaching", [ids["Cal"], ids["Dan"]])
    made = partnerships.confirm(store, cohort, "co-coaching", partnerships.run(store, cohort, "co-coaching")["id"])
    pid = next(p["id"] for p in made if jo in p["members"])
    others = next(p["id"] for p in made if ids["Cal"] in p["members"])
    # Jo fills in every field of the agreement; then Bea edits it, copying Jo's goal and naming her.
    agreement = published_definition(store, "learning_agreement", "1")
    jo_words = typed_everywhere(agreement, "zp-typed")
    save_agreement(jo_browser, pid, [*jo_words.items(), ("keep_track", "log"), ("first_steps", "timetable")])
    saved = store.get_partnership(cohort["id"], pid)["agreement"]
    assert set(saved["answers"]) >= set(jo_words) and set(saved["authors"].values()) == {jo}
    bea_browser = as_teacher(app, bea_token)
    save_agreement(bea_browser, pid, [
        *[(k, v) for k, v in jo_words.items() if k not in ("goals", "feedback", "approach")],
        ("goals", f"Zinnia's aim: {JO['goal'].upper()}\n{BEA['name']}: Fewer hands up."),
        ("approach", "Zinnia said we plan together; zinnia pembervale leads week one."),
        ("feedback", "Talk it over with ZINNIA the same day.")])
    cal_browser = app.test_client()
    record = store.get_response(cohort["id"], ids["Cal"])
    secret = secrets.token_hex(24)
    store.update_response(cohort["id"], ids["Cal"], lambda r: {**r, "token_hash": hash_secret(secret)})
    assert cal_browser.get(f"/resume/{cohort['id']}.{record['id']}.{secret}").status_code == 302
    save_agreement(cal_browser, others, [("focus", "Questioning"),
                                         ("approach", f"Borrow Ms Pembervale's idea: {JO['menu_goal']}")])

    def files_holding(needle: str) -> list[str]:
        return places_holding(store, needle)

    assert all(files_holding(n) for n in JO_NEEDLES)  # the scene is really set
    admin_erase(client, cohort["id"], jo)
    for needle in [*JO_NEEDLES, JO["goal"], JO["menu_goal"]]:
        assert files_holding(needle) == [], needle
    assert any(e["action"] == ERASED for e in store.audit_log())
    # What others wrote about other things is still theirs.
    kept = store.get_partnership(cohort["id"], pid)["agreement"]["answers"]
    assert kept["goals"] == f"{NAME_GONE}'s aim: {GOAL_GONE}\n{BEA['name']}: Fewer hands up."
    assert "plan together" in kept["approach"]
    assert kept["feedback"] == f"Talk it over with {NAME_GONE} the same day."
    assert "zp-typed" not in json.dumps(kept)  # what Jo typed and Bea left as it was is Jo's, and goes
    bea_notes = store.get_response(cohort["id"], bea)["answers"]["coaching_notes"]
    assert bea_notes == f"Happy to pair with {NAME_GONE}, or {NAME_GONE}."
    assert store.group_labels(cohort["id"])["A"]["note"] == f"Watch how {NAME_GONE} uses wait time."


def test_how_to_reach_the_teacher_goes_with_them_even_where_their_partner_copied_it(app, client, store, cohort,
                                                                                  world):
    contact = "zq.lanternfish@marrowbone.example or 07700 914 226 after kiln club"
    page = world["zed"].get("/questionnaire/partner").text
    assert world["zed"].post("/questionnaire/partner/contact", data={
        "csrf_token": csrf(page), "contact": contact}).status_code == 302
    # Bea copies the address and the number into the agreement she keeps, and into her own notes.
    save_agreement(world["bea"], world["pair"], [("focus", "Questioning"),
                                                 ("approach", "Mail zq.lanternfish@marrowbone.example first.")])
    store.update_response(cohort["id"], world["ids"]["Bea"], lambda r: {
        **r, "answers": {**r["answers"], "coaching_notes": "My partner: 07700 914 226."}})
    def files_holding(needle: str) -> list[str]:
        return places_holding(store, needle)

    needles = ("zq.lanternfish@marrowbone.example", "07700 914 226", "after kiln club")
    assert all(files_holding(n) for n in needles)  # the scene is really set
    admin_erase(client, cohort["id"], ZED["ref"])
    for needle in needles:
        assert files_holding(needle) == [], needle
    kept = store.get_partnership(cohort["id"], world["pair"])["agreement"]["answers"]
    assert kept["approach"] == f"Mail {GOAL_GONE} first."
    assert store.get_response(cohort["id"], world["ids"]["Bea"])["answers"]["coaching_notes"] == \
        f"My partner: {GOAL_GONE}."


def test_erasure_removes_peer_assessments_written_by_or_about_the_teacher(app, store, cohort):
    world = build(app, store, cohort)
    close_current(store, cohort)
    open_next(store, cohort, find_definition("follow_up", None, definition_dirs(app.config["DATA"]))[0])
    now, ids = store.get_cohort(cohort["id"]), world["ids"]
    for by, about, pid in (("Amy", "Bea", world["pair"]), ("Bea", "Amy", world["pair"]), ("Cal", "Dan",
                                                                                         world["other"])):
        peer_assessment.save(store, now, pid, ids[by], ids[about], 3, f"PEER-MARK {by} saw {about}; Amy helped", [], 0)
    erase(store, cohort["id"], ids["Amy"], "admin@example.org")
    kept = json.dumps(store.list_partnerships(cohort["id"]))
    assert "Amy saw" not in kept and "saw Amy" not in kept and "Bea saw" not in kept
    (left,) = peer_assessment.about(store, now, ids["Dan"])
    assert left["evidence"].startswith("PEER-MARK Cal saw Dan") and "Amy" not in left["evidence"]
