"""The specialist's pages through the real app (CSRF on): cohorts, groups, re-grouping, names, and bad input."""

from __future__ import annotations

import copy
import html
import re

import joblib
import pytest
import sklearn
from pages import visible_text
from stored import damage_grouping, replace_model, saved_grouping

from diagnostic.services.cohorts import create_cohort, published_definition
from diagnostic.services.demo import planted_cohort
from diagnostic.services.grouping import current, refit, rename
from diagnostic.services.journey import new_response

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PLANTED = "planted"
PLANTED_TEACHERS = 80

def csrf(page: str) -> str:
    return CSRF.search(page).group(1)


# -- fixtures: a grouped cohort is made once, and each test gets its own copy of the data -----------
@pytest.fixture(scope="module")
def template(make_grouped):
    return make_grouped(PLANTED, PLANTED_TEACHERS, 3)


@pytest.fixture
def app(app_on_copy, template):
    return app_on_copy(template)


@pytest.fixture
def planted(store):
    return store.get_cohort(PLANTED)


@pytest.fixture
def definition(store, planted):
    return published_definition(store, planted["form_id"], planted["form_version"])


def saved_bytes(store, cohort_id=PLANTED) -> bytes:
    return saved_grouping(store, cohort_id)


def overview_url(cohort_id=PLANTED) -> str:
    return f"/specialist/cohorts/{cohort_id}/"


def regroup(client, cohort_id=PLANTED, **fields):
    token = csrf(client.get(overview_url(cohort_id)).text)
    return client.post(f"/specialist/cohorts/{cohort_id}/regroup", data={"csrf_token": token, **fields})


def label(client, key, name, note="", cohort_id=PLANTED):
    url = f"/specialist/cohorts/{cohort_id}/groups/{key}"
    return client.post(url, data={"csrf_token": csrf(client.get(url).text), "name": name, "note": note})


def plant(store, cohort, n, seed=1, **options):
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    responses, _ = planted_cohort(cohort, definition, n, seed, **options)
    store.add_responses(cohort["id"], responses)
    return responses


def late_teacher(store, cohort, name="late-1"):
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    (record,), _ = planted_cohort(cohort, definition, 1, 99)
    record["respondent"] = name
    store.add_responses(cohort["id"], [record])
    return record


def assert_clear(page, status):
    assert page.status_code == status, page.text[:2000]
    assert "Traceback" not in page.text and "<h1>" in page.text


def alerts(page) -> str:
    return " ".join(re.findall(r'<div class="problem" role="alert"><p>(.*?)</p></div>', page.text, re.S))


# -- the list of cohorts ------------------------------------------------------------------------------
def test_cohort_list_shows_counts_and_whether_each_is_grouped(client, store, cohort):
    draft, _ = new_response(store.get_cohort(PLANTED))
    store.add_responses(PLANTED, [draft])
    page = client.get("/specialist/")
    assert_clear(page, 200)
    row = re.search(r"<tr>\s*<th scope=\"row\"><a href=\"/specialist/cohorts/planted/\">Planted network</a></th>"
                    r"(.*?)</tr>", page.text, re.S)
    assert row, page.text
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    assert cells[0] == str(PLANTED_TEACHERS) and cells[1] == "1"
    assert re.match(r"4 groups \(moderately clear groups\), \d{4}-\d\d-\d\d$", cells[2].strip()), cells[2]
    other = re.search(rf"{re.escape(cohort['name'])}</a></th>(.*?)</tr>", page.text, re.S).group(1)
    assert re.findall(r"<td[^>]*>(.*?)</td>", other, re.S)[:2] == ["0", "0"]
    assert "Not grouped yet" in other


def test_cohort_list_flags_a_damaged_grouping(client, store):
    damage_grouping(store, PLANTED)
    page = client.get("/specialist/")
    assert_clear(page, 200)
    assert "Saved groups cannot be read: re-group" in page.text


# -- the overview -----------------------------------------------------------------------------------
def test_overview_has_a_card_per_group_and_the_quality_panel(client, store, planted):
    record = current(store, planted)
    page = client.get(overview_url())
    assert_clear(page, 200)
    cards = re.findall(r'<li class="card">(.*?)</li>\s*(?=<li class="card">|</ul>)', page.text, re.S)
    assert len(cards) == record["k"] == 4
    for card, group in zip(cards, record["groups"], strict=True):
        assert f"Group {group['key']}</span>" in card
        assert f'<a href="/specialist/cohorts/planted/groups/{group["key"]}">{html.escape(group["name"])}</a>' in card
        assert f"{len(group['members'])} teachers" in visible_text(card)
    quality = record["quality"]
    assert f'<h2 id="quality-heading">{quality["headline"]}</h2>' in page.text
    text = visible_text(page.text)
    assert f"{quality['silhouette']} silhouette" in text
    assert f"{quality['stability']} stability" in text
    assert f"Grouped {PLANTED_TEACHERS} teachers with kmeans" in text
    for name in ("members.csv", "profiles.csv", "grouping.json"):
        assert f'href="/specialist/cohorts/planted/export/{name}"' in page.text


def test_heatmap_has_a_title_and_the_same_figures_as_its_table(client, store, planted):
    record = current(store, planted)
    page = client.get(overview_url()).text
    svg = re.search(r'<svg class="heatmap".*?</svg>', page, re.S).group(0)
    assert "<title" in svg and "shaded against the whole cohort</title>" in svg
    table = re.search(r"<summary>The heatmap as a table</summary>(.*?)</table>", page, re.S).group(1)
    in_svg = re.findall(r">(–|-?\d+\.\d)</text>", svg)
    in_table = re.findall(r'<td class="num">(–|-?\d+\.\d)', table)
    rows = [c for c in record["columns"] if c["kind"] != "ordinal"]
    assert len(in_table) == len(rows) * (record["k"] + 1)
    assert in_svg == in_table
    # Each answer's row says its scale, so every figure in it says what it is out of.
    first = re.search(r'<tr><th scope="row">Learner-centred beliefs <span class="muted">\(1 to 5\)</span></th>'
                      r"(.*?)</tr>", table, re.S).group(1)
    expected = [f"{g['means']['learner_centred']:.1f}" for g in record["groups"]]
    expected.append(f"{record['cohort_means']['learner_centred']:.1f}")
    assert re.findall(r'<td class="num">(-?\d+\.\d)', first) == expected
    for key in ("A", "B", "C", "D"):
        assert f'<th scope="col" class="num">Group {key}</th>' in table


def test_map_draws_every_teacher_and_describes_itself_in_words(client):
    page = client.get(overview_url()).text
    svg = re.search(r'<svg class="map".*?</svg>', page, re.S).group(0)
    assert '<title id="map-title">' in svg
    desc = re.search(r'<desc id="map-desc">(.*?)</desc>', svg, re.S).group(1)
    assert "Teachers who answered alike sit close together" in desc and "% of the differences" in desc
    marks = re.findall(r"<(circle|rect|polygon) ", svg.split("</desc>", 1)[1])
    assert len(marks) == PLANTED_TEACHERS + 1  # every teacher, plus the frame
    assert "Teachers who answered alike sit close together" in page.split("</svg>")[-1]


def test_group_page_lists_members_with_confidence_and_fits_poorly_flags(client, store, planted):
    record = current(store, planted)
    flagged = [g for g in record["groups"] if any(m["outlier"] for m in g["members"])]
    assert flagged, "the planted cohort has a teacher who fits poorly"
    for group in [record["groups"][0], flagged[0]]:
        page = client.get(f"/specialist/cohorts/planted/groups/{group['key']}")
        assert_clear(page, 200)
        assert f"<h1>{html.escape(group['name'])}</h1>" in page.text
        rows = re.findall(r'<tr><th scope="row">(.*?)</th><td>([^<]*)</td>\s*<td class="num">(\d+)%.*?'
                          r"<td>(.*?)</td>\s*<td>(.*?)</td></tr>", page.text, re.S)
        assert len(rows) == len(group["members"])
        # The teacher's cell names them (and links to their starting point for a specialist): its text ends
        # with their reference.
        rows = [(re.sub(r"<[^>]+>", "", who).split("(")[-1].rstrip(")"), *rest) for who, *rest in rows]
        expected = [(m["respondent"], m["school"], f"{m['confidence'] * 100:.0f}",
                     '<span class="flag">Fits poorly</span>' if m["outlier"] else "–", "when grouped")
                    for m in group["members"]]
        assert rows == expected
    assert page.text.count('<span class="flag">Fits poorly</span>') == sum(m["outlier"] for m in flagged[0]["members"])


# -- re-grouping ------------------------------------------------------------------------------------------
def test_regroup_with_a_number_and_method_redirects_and_says_what_it_did(client, store):
    done = regroup(client, k="3", method="ward")
    assert done.status_code == 302 and done.location.endswith(overview_url())
    page = client.get(done.location)
    assert f"Re-grouped {PLANTED_TEACHERS} teachers: 3 groups." in page.text
    assert '<div class="notice" role="status">' in page.text
    saved = store.load_grouping(PLANTED)
    assert (saved["k"], saved["method"], saved["params"]) == (3, "ward", {"k": 3, "method": "ward"})
    assert page.text.count('<li class="card">') == 3
    assert '<option selected value="3">' in page.text
    assert re.search(r'<input checked id="method-\d" name="method" required type="radio" value="ward">', page.text)
    assert "Re-grouped" not in client.get(overview_url()).text  # the message is shown once


@pytest.mark.parametrize(("k", "method"), [("9", "kmeans"), ("0", "kmeans"), ("many", "kmeans"),
                                           ("auto", "bogus"), ("", "kmeans"), ("3", "")])
def test_regroup_with_bad_choices_is_refused_and_changes_nothing(client, store, k, method):
    before = saved_bytes(store)
    page = regroup(client, k=k, method=method)
    assert_clear(page, 422)
    assert "Choose a number of groups and a method." in alerts(page)
    assert saved_bytes(store) == before


def test_regroup_without_the_csrf_token_is_refused_and_changes_nothing(client, store):
    before = saved_bytes(store)
    for data in ({"k": "3", "method": "ward"}, {"k": "3", "method": "ward", "csrf_token": "forged"}):
        page = client.post("/specialist/cohorts/planted/regroup", data=data)
        assert_clear(page, 400)
        assert "nothing was saved" in page.text
    assert saved_bytes(store) == before


def test_regroup_a_cohort_with_no_submissions_explains_why_not(client, store, cohort):
    draft, _ = new_response(cohort)
    store.add_responses(cohort["id"], [draft])
    before = client.get(overview_url(cohort["id"]))
    assert "This cohort has not been grouped yet" in before.text
    page = regroup(client, cohort["id"], k="auto", method="kmeans")
    assert_clear(page, 409)
    assert "has no submitted questionnaires" in alerts(page) and "once teachers have submitted" in alerts(page)
    assert store.load_grouping(cohort["id"]) is None


# -- names and notes --------------------------------------------------------------------------------------
def test_name_and_note_are_saved_and_shown_on_the_overview_and_group_page(client, store):
    generated = store.load_grouping(PLANTED)["groups"][1]["generated_name"]
    saved = label(client, "B", "Keen beginners", "Start with modelling and worked examples.")
    assert saved.status_code == 302 and saved.location.endswith("/specialist/cohorts/planted/groups/B")
    page = client.get(saved.location)
    assert "Saved the group&#39;s name, note and title for teachers." in page.text
    assert "<h1>Keen beginners</h1>" in page.text and f"Generated name: {html.escape(generated)}" in page.text
    assert 'value="Keen beginners"' in page.text
    assert re.search(r"<textarea[^>]*>\s*Start with modelling and worked examples.</textarea>", page.text)
    overview = client.get(overview_url()).text
    assert '<a href="/specialist/cohorts/planted/groups/B">Keen beginners</a>' in overview
    assert "Note: Start with modelling and worked examples." in visible_text(overview)
    assert store.group_labels(PLANTED)["B"]["name"] == "Keen beginners"


def test_an_over_long_name_is_refused_with_an_error_linked_to_the_field(client, store):
    page = label(client, "A", "x" * 81, "note")
    assert_clear(page, 422)
    summary = re.search(r'<div class="error-summary" role="alert".*?</div>', page.text, re.S).group(0)
    assert 'href="#name"' in summary and "Group name:" in summary
    assert 'id="name-error"' in page.text
    assert re.search(r'<input aria-describedby="name-hint name-error" id="name"', page.text)
    assert store.group_labels(PLANTED) == {}


def test_a_name_survives_regrouping_through_the_pages(client):
    label(client, "A", "Short of time", "Protect planning time first.")
    assert regroup(client, k="auto", method="kmeans").status_code == 302
    page = client.get("/specialist/cohorts/planted/groups/A").text
    assert "<h1>Short of time</h1>" in page and "Protect planning time first." in page


# -- not found --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["/specialist/cohorts/nope/", "/specialist/cohorts/nope/groups/A",
                                 "/specialist/cohorts/nope/export/members.csv", "/specialist/cohorts/planted/groups/Z",
                                 "/specialist/cohorts/planted/groups/a", "/specialist/cohorts/planted/export/all.zip"])
def test_unknown_cohorts_groups_and_exports_are_404(client, url):
    page = client.get(url)
    assert_clear(page, 404)


def test_regroup_of_an_unknown_cohort_is_404(client):
    token = csrf(client.get(overview_url()).text)
    assert_clear(client.post("/specialist/cohorts/nope/regroup", data={"csrf_token": token, "k": "3",
                                                                        "method": "kmeans"}), 404)


def test_a_group_page_of_an_ungrouped_cohort_is_404(client, cohort):
    assert_clear(client.get(f"/specialist/cohorts/{cohort['id']}/groups/A"), 404)


# -- stored markup is shown as text ------------------------------------------------------------------------
def test_names_notes_teachers_and_schools_with_markup_are_escaped_everywhere(client, store, shipped):
    marked = create_cohort(store, shipped, "<i>Network</i>", ["<b onmouseover=alert(3)>Bold</b> Academy", "Plain"])
    definition = published_definition(store, marked["form_id"], marked["form_version"])
    responses, _ = planted_cohort(marked, definition, 40, 2)
    responses[0]["respondent"] = "<img src=x onerror=alert(4)>"
    store.add_responses(marked["id"], responses)
    refit(store, marked)
    rename(store, marked, "A", "<script>alert(1)</script>", "<script>alert(2)</script>")
    record = current(store, marked)
    base = f"/specialist/cohorts/{marked['id']}"
    pages = {"list": client.get("/specialist/").text, "overview": client.get(base + "/").text}
    pages |= {g["key"]: client.get(f"{base}/groups/{g['key']}").text for g in record["groups"]}
    for name, text in pages.items():
        for raw in ("<script>alert", "<img src=x", "<b onmouseover", "<i>Network"):
            assert raw not in text, (name, raw)
    assert "&lt;i&gt;Network&lt;/i&gt;" in pages["list"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["overview"]
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in pages["overview"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["A"]
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in pages["A"]
    holder = record["members"][responses[0]["id"]]["group"]
    assert "&lt;img src=x onerror=alert(4)&gt;" in pages[holder]
    assert "&lt;b onmouseover=alert(3)&gt;Bold&lt;/b&gt; Academy" in pages[holder]


# -- bad input through the pages -----------------------------------------------------------------------------
def test_identical_answers_show_one_group_everyone_answered_alike(client, store, shipped):
    alike = create_cohort(store, shipped, "Alike", ["Ashfield"])
    definition = published_definition(store, alike["form_id"], alike["form_version"])
    responses, _ = planted_cohort(alike, definition, 10, 3, missing=0)
    for r in responses[1:]:
        r["answers"], r["scores"] = copy.deepcopy(responses[0]["answers"]), dict(responses[0]["scores"])
    store.add_responses(alike["id"], responses)
    assert regroup(client, alike["id"], k="auto", method="kmeans").status_code == 302
    page = client.get(overview_url(alike["id"]))
    assert_clear(page, 200)
    assert '<h2 id="quality-heading">Everyone answered alike</h2>' in page.text
    assert page.text.count('<li class="card">') == 1 and re.search(r"\b1 group\b", visible_text(page.text))


def test_a_tiny_cohort_shows_too_few_teachers(client, store, shipped):
    tiny = create_cohort(store, shipped, "Tiny", ["Ashfield"])
    plant(store, tiny, 4)
    assert regroup(client, tiny["id"], k="auto", method="kmeans").status_code == 302
    page = client.get(overview_url(tiny["id"]))
    assert_clear(page, 200)
    assert '<h2 id="quality-heading">Too few teachers to form groups</h2>' in page.text
    assert "this cohort has 4" in page.text and page.text.count('<li class="card">') == 1


def test_a_tiny_cohort_asked_for_more_groups_than_teachers_is_told_why(client, store, shipped):
    tiny = create_cohort(store, shipped, "Tiny", ["Ashfield"])
    plant(store, tiny, 4)
    page = regroup(client, tiny["id"], k="5", method="kmeans")
    assert_clear(page, 409)
    assert "5 groups cannot be made from 4 submitted questionnaires" in alerts(page)


def test_dropped_answers_and_other_versions_are_explained(client, store, shipped):
    mixed = create_cohort(store, shipped, "Mixed", ["Ashfield"])
    definition = published_definition(store, mixed["form_id"], mixed["form_version"])
    responses, _ = planted_cohort(mixed, definition, 40, 4)
    for r in responses:
        r["answers"]["confidence_questioning"] = 4
    others, _ = planted_cohort(mixed, definition, 3, 8)
    for r in others:
        r["form_version"] = "0"
    store.add_responses(mixed["id"], responses + others)
    assert regroup(client, mixed["id"], k="auto", method="kmeans").status_code == 302
    page = client.get(overview_url(mixed["id"]))
    assert_clear(page, 200)
    assert "<li>Questioning: every teacher gave the same answer</li>" in page.text
    assert "Not grouped, because they answered a different version of the questionnaire" in page.text
    assert "3 on starting_point version 0." in page.text
    assert "Grouped 40 teachers" in page.text


@pytest.mark.tinydb_only
def test_a_damaged_grouping_file_asks_to_regroup_and_regrouping_repairs_it(client, store):
    (store.root / "cohorts" / PLANTED / "grouping.json").write_bytes(b'{"groups": [{"key": "A", ')
    page = client.get(overview_url())
    assert_clear(page, 200)
    assert "re-run the grouping" in alerts(page) and '<li class="card">' not in page.text
    assert_clear(client.get("/specialist/cohorts/planted/groups/A"), 409)
    export = client.get("/specialist/cohorts/planted/export/members.csv")
    assert_clear(export, 409)
    assert "re-run the grouping" in export.text
    assert regroup(client, k="auto", method="kmeans").status_code == 302
    repaired = client.get(overview_url())
    assert repaired.text.count('<li class="card">') == 4 and not alerts(repaired)


def test_a_grouping_file_in_an_unexpected_shape_asks_to_regroup(client, store):
    damage_grouping(store, PLANTED)
    page = client.get(overview_url())
    assert_clear(page, 200)
    assert "re-run the grouping" in alerts(page)


def _replace_model(store, kind, tmp_path):
    if kind == "foreign":
        joblib.dump({"pipeline": "someone else's"}, tmp_path / "foreign.joblib")
        replace_model(store, PLANTED, (tmp_path / "foreign.joblib").read_bytes())
    else:
        replace_model(store, PLANTED, b"\x80\x04 this is not the model")


@pytest.mark.parametrize("kind", ["foreign", "garbage"])
def test_a_replaced_model_file_keeps_the_groups_and_explains_why_later_teachers_wait(client, store, planted,
                                                                                     monkeypatch, tmp_path, kind):
    _replace_model(store, kind, tmp_path)
    late_teacher(store, planted)

    def refuse(*args, **kwargs):
        raise AssertionError("the replaced model file was unpickled")

    monkeypatch.setattr(joblib, "load", refuse)
    page = client.get(overview_url())
    assert_clear(page, 200)
    assert page.text.count('<li class="card">') == 4
    problem = alerts(page)
    assert "1 teacher(s) submitted since the groups were formed and cannot be placed" in problem
    assert "does not match the one saved" in problem and "re-run the grouping" in problem
    assert "placed since grouping" not in page.text
    group = client.get("/specialist/cohorts/planted/groups/A")
    assert_clear(group, 200)
    assert "late-1" not in group.text


def test_teachers_who_cannot_be_placed_are_listed_by_name(client, store, planted, tmp_path):
    _replace_model(store, "garbage", tmp_path)
    late_teacher(store, planted, name="late-teacher-7")
    page = client.get(overview_url())
    assert "late-teacher-7" in page.text


def test_a_model_from_another_scikit_learn_asks_for_a_regroup(client, store, planted):
    record = store.load_grouping(PLANTED)
    record["model"]["sklearn"] = "0.24.2"
    store.save_grouping(PLANTED, record, store.load_model(PLANTED))
    late_teacher(store, planted)
    page = client.get(overview_url())
    assert_clear(page, 200)
    problem = alerts(page)
    assert f"made with scikit-learn 0.24.2 but this server has {sklearn.__version__}" in problem
    assert "re-run the grouping" in problem
    assert page.text.count('<li class="card">') == 4
    assert regroup(client, k="auto", method="kmeans").status_code == 302
    assert not alerts(client.get(overview_url()))


def test_a_later_teacher_shows_as_placed_since_grouping(client, store, planted):
    late_teacher(store, planted)
    page = client.get(overview_url())
    assert not alerts(page)
    assert "1 teacher submitted since and has been placed in the nearest group" in page.text
    assert "(1 placed since grouping)" in page.text
    key = next(g["key"] for g in current(store, planted)["groups"] if g["placed_since"])
    group = client.get(f"/specialist/cohorts/planted/groups/{key}").text
    assert re.search(r'<th scope="row">[^\n]*late-1[^\n]*</th>.*?after grouping', group, re.S)
