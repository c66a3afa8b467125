"""Grouping a cohort by starting point: fit from the store, keep it, and place new submissions.

A grouping is fitted only when a specialist asks (or from the CLI) and is then
frozen: its profiles describe the teachers it was fitted on. Teachers who
submit afterwards are placed into the current groups each time the groups are
read, without changing them, until the next re-grouping.
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Callable
from typing import Any

from diagnostic.services import audit, cycles
from diagnostic.services.cohorts import published_definition
from diagnostic.services.journey import now
from diagnostic.storage.interface import DamagedGrouping, Record, Store, whole_cohort
from forms.grouping import feature_spec
from models import METHODS
from models.persist import ModelFileError, dumps, loads
from models.quality import verdict

# models.clustering, features, mapping and profiles (scikit-learn, pandas, scipy) are imported in the functions that
# fit or place: this module is imported by every page and command, most of which never group anyone.

MAX_GROUPS = 8  # the most groups a specialist or `cluster --k` may ask for, and the most "auto" tries
EARLIER_KEPT = 10  # earlier groupings kept per cohort, so that a specialist can go back to one


class GroupingError(Exception):
    """A grouping cannot be made or changed as asked; the message says why and what to do."""

    status = 409
    title = "The groups cannot be changed as asked"


class SmallGroups(GroupingError):
    """The grouping asked for has a group smaller than the minimum group size, and that was not accepted."""

    status = 409
    title = "That grouping would make a group too small to plan for"


class UnknownEarlierGrouping(GroupingError):
    """No earlier grouping with that id is kept for the cohort."""

    status = 404
    title = "There is no such earlier grouping"


def respondent(response: Record) -> str:
    """How a teacher is named in groupings and exports: their import reference, else their response id."""
    return response.get("respondent") or response["id"]


def _key(n: int) -> str:
    # Group keys are letters: A..Z, then AA, AB... They never get reused within a cohort.
    letters = string.ascii_uppercase
    return letters[n] if n < 26 else _key(n // 26 - 1) + letters[n % 26]


def _key_number(key: str) -> int:
    n = 0
    for ch in key:
        n = n * 26 + string.ascii_uppercase.index(ch) + 1
    return n - 1


def parse_k(value: str | int) -> str | int:
    """'auto' or a number of groups from 1 to `MAX_GROUPS`, from a form field or the command line."""
    if isinstance(value, int) or str(value).strip().isdigit():
        k = int(value)
        if not 1 <= k <= MAX_GROUPS:
            raise GroupingError(f"the number of groups must be from 1 to {MAX_GROUPS}, or auto (got {k})")
        return k
    if str(value).strip().lower() == "auto":
        return "auto"
    raise GroupingError(f"the number of groups must be 'auto' or a whole number from 1 to {MAX_GROUPS} "
                        f"(got {value!r})")


def _submitted(store: Store, cohort: Record,
               submitted: list[Record] | None = None) -> tuple[list[Record], dict[str, int]]:
    """Submitted responses to the cohort's form version, and how many answered other versions.

    `submitted` is every submitted response of the cohort when the caller has listed them already.
    """
    current, other = [], Counter()
    for r in store.list_responses(cohort["id"], status="submitted", cycle=1) if submitted is None else submitted:
        same = (r.get("form_id"), r.get("form_version")) == (cohort["form_id"], cohort["form_version"])
        if same:
            current.append(r)
        else:
            other[f"{r.get('form_id')} version {r.get('form_version')}"] += 1
    return current, dict(other)


def _later(store: Store, cohort: Record, cycle: int) -> list[Record]:
    try:
        return cycles.todays_answers(store, cohort, cycle)
    except cycles.CycleError as exc:
        raise GroupingError(str(exc)) from None


def _context(responses: list[Record], spec: dict[str, Any]) -> dict[str, list[Any]]:
    context = {d["question"]: [r["answers"].get(d["question"]) for r in responses] for d in spec["describe"]}
    context["school"] = [r.get("school") for r in responses]
    return context


@whole_cohort
def refit(store: Store, cohort: Record, k: str | int = "auto", method: str = "kmeans",
          progress: Callable[[str], None] | None = None, actor: str = "system",
          accept_small: bool = False, cycle: int = 1) -> Record:
    """Group the cohort's submitted responses afresh, keep the result, and return it.

    `cycle` 1 groups the starting points; a later cycle groups each teacher who answered it on their answers of
    today (`cycles.todays_answers`: the questions asked again, with the rest of their starting point as it was),
    so that groups follow the teachers as they change. Teachers who have not answered it are placed in the
    nearest new group from their starting point, as late submissions are.

    Group keys, and so the specialist's names and notes, carry over from the
    previous grouping to the new groups that continue the old ones. The previous
    grouping is kept as an earlier one (see `restore`). A grouping asked for
    whose smallest group is under the minimum group size raises `SmallGroups`
    and changes nothing, unless `accept_small`.
    """
    from models.clustering import StartingPointGroups
    from models.features import encode, make_grouping_pipeline, uninformative
    from models.mapping import fit_map, place_on_map
    from models.profiles import profile_groups

    say = progress or (lambda message: None)
    k = parse_k(k)
    if method not in METHODS:
        raise GroupingError(f"the method must be one of {', '.join(METHODS)} (got {method!r})")
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    spec = feature_spec(definition)
    say("reading submitted questionnaires")
    responses, other_versions = _submitted(store, cohort) if cycle == 1 else (_later(store, cohort, cycle), {})
    if not responses and cycle > 1:
        raise GroupingError(f"no teacher of {cohort['name']} has answered both the starting point and cycle "
                            f"{cycle} yet, so there is nothing to group on")
    if not responses:
        raise GroupingError(f"cohort {cohort['id']!r} has no submitted questionnaires for form "
                            f"{cohort['form_id']} version {cohort['form_version']} yet; groups can be formed "
                            "once teachers have submitted")
    ids = [r["id"] for r in responses]
    table = encode(responses, spec, index=ids)
    dropped = uninformative(table)
    used = [c for c in table.columns if c not in dropped] or [c for c in table.columns if table[c].notna().any()]
    if not used:
        raise GroupingError("none of the answers used for grouping has been given by any teacher yet")
    estimator = StartingPointGroups(n_clusters=k, method=method, max_clusters=MAX_GROUPS, random_state=0)
    pipeline = make_grouping_pipeline(spec, used, estimator)
    if isinstance(k, int) and k > len(responses):
        raise GroupingError(f"{k} groups cannot be made from {len(responses)} submitted questionnaires")
    pipeline.fit(table[used], groups__progress=say)
    sizes = Counter(int(label) for label in estimator.labels_)
    smallest = min(sizes.values())
    if len(sizes) > 1 and smallest < estimator.min_size_ and not accept_small:
        raise SmallGroups(
            f"{audit.plural(len(sizes), 'group')} by {METHOD_NAMES.get(method, method)} would leave a group of "
            f"{audit.plural(smallest, 'teacher')}, and each group needs at least {estimator.min_size_} teachers "
            f"to plan for ({estimator.min_group_share:.0%} of the {len(responses)} grouped, and never fewer than "
            f"{estimator.min_group_size}). Nothing was changed. Ask "
            "for fewer groups or another method, or accept small groups to keep this grouping anyway")
    say("describing the groups")
    features = pipeline[:-1].transform(table[used])
    chart = fit_map(features)
    coords = place_on_map(chart, features)
    profiles = profile_groups(table, estimator.labels_, spec, _context(responses, spec))
    keys, keys_issued = _carry_keys(store, cohort["id"], profiles["groups"])
    blob, meta = dumps({"pipeline": pipeline, "map": chart})
    groups = []
    for profile, key in zip(profiles["groups"], keys, strict=True):
        groups.append({"key": key, **profile})
    quality = verdict(estimator.finding_, estimator.silhouette_, estimator.stability_, len(responses),
                      estimator.min_size_)
    record = {
        "cohort": cohort["id"], "form_id": cohort["form_id"], "form_version": cohort["form_version"],
        "cycle": cycle, "fitted_at": now(), "responses": len(responses), "model": meta,
        "params": {"k": k, "method": method}, "k": estimator.n_clusters_, "method": method,
        "keys_issued": keys_issued,
        "finding": estimator.finding_, "structure": bool(estimator.structure_),
        "quality": {"silhouette": _num(estimator.silhouette_), "stability": _num(estimator.stability_),
                    "shuffled_silhouette": _num(estimator.reference_silhouette_), **quality},
        "search": estimator.search_, "min_size": estimator.min_size_,
        "small_groups_accepted": bool(len(sizes) > 1 and smallest < estimator.min_size_),
        "features": used, "dropped": dropped, "other_versions": other_versions,
        "columns": [{k: c[k] for k in ("name", "label", "block", "kind")} for c in spec["columns"]],
        "blocks": [{"id": b["id"], "label": b["label"]} for b in spec["blocks"]],
        "cohort_means": profiles["cohort"]["means"], "groups": groups,
        "members": {rid: {"group": keys[label], "confidence": round(float(conf), 3), "outlier": bool(out),
                          "map": [round(float(x), 3) for x in xy]}
                    for rid, label, conf, out, xy in zip(ids, estimator.labels_, estimator.membership_,
                                                         estimator.outliers_, coords, strict=True)},
        "map_explained": [round(float(v), 3) for v in chart.explained_variance_ratio_] if chart else None,
    }
    store.keep_earlier_grouping(cohort["id"], store.group_labels(cohort["id"]), EARLIER_KEPT)
    store.save_grouping(cohort["id"], record, blob)
    on = f" on their answers of cycle {cycle}" if cycle > 1 else ""
    audit.record(store, actor, "regroup", f"Re-grouped {audit.plural(len(responses), 'teacher')}{on} into "
                                          f"{audit.plural(record['k'], 'group')} ({method}, asked for {k}).",
                 cohort["id"])
    return record


METHOD_NAMES = {"kmeans": "k-means", "gmm": "the Gaussian mixture", "ward": "Ward's method"}


def earlier(store: Store, cohort: Record) -> list[Record]:
    """The earlier groupings a specialist can go back to, newest first, each with its groups' names as they were."""
    found = []
    for kept in store.earlier_groupings(cohort["id"]):
        record, labels = kept["record"], kept["labels"]
        groups = [{"key": g["key"], "name": (labels.get(g["key"]) or {}).get("name") or g["generated_name"],
                   "note": (labels.get(g["key"]) or {}).get("note") or "",
                   "size": sum(m["group"] == g["key"] for m in record["members"].values())}
                  for g in record["groups"]]
        found.append({"id": kept["id"], "fitted_at": record["fitted_at"], "k": record["k"],
                      "method": record["method"], "method_name": METHOD_NAMES.get(record["method"], record["method"]),
                      "responses": record["responses"], "headline": (record.get("quality") or {}).get("headline"),
                      "groups": groups})
    return found


def starting_grouping(store: Store, cohort: Record) -> Record | None:
    """When the current grouping is on a later cycle's answers, the latest grouping of the starting points it
    replaced (kept as an earlier grouping), with its groups' names; else None (the current one is it)."""
    record = store.load_grouping(cohort["id"])
    if record is None or record.get("cycle", 1) == 1:
        return None
    for kept in store.earlier_groupings(cohort["id"]):
        if kept["record"].get("cycle", 1) == 1:
            found = kept["record"]
            for group in found["groups"]:
                group["name"] = (kept["labels"].get(group["key"]) or {}).get("name") or group["generated_name"]
                group["members"] = [{"id": rid} for rid, m in found["members"].items() if m["group"] == group["key"]]
            return found
    return None


@whole_cohort
def restore(store: Store, cohort: Record, earlier_id: str, actor: str = "system") -> Record:
    """Make an earlier grouping the current one again, with the names and notes it had; return it.

    The grouping it replaces is kept as an earlier one in its turn, so going back can itself be undone.
    """
    found = store.load_earlier_grouping(cohort["id"], earlier_id)
    if found is None:
        raise UnknownEarlierGrouping(f"there is no earlier grouping {earlier_id!r} of cohort {cohort['id']!r}; "
                                     "pick one from the list of earlier groupings")
    record, model, labels = found
    try:
        now_current = store.load_grouping(cohort["id"])
    except DamagedGrouping:
        now_current = None
    # Letters handed out since stay used, so a group made later never shares a letter with one from before.
    issued = max(record.get("keys_issued", 0), (now_current or {}).get("keys_issued", 0),
                 *(_key_number(k) + 1 for k in store.group_labels(cohort["id"])))
    store.keep_earlier_grouping(cohort["id"], store.group_labels(cohort["id"]), EARLIER_KEPT + 1)
    store.save_grouping(cohort["id"], {**record, "keys_issued": issued}, model)
    # Its groups get back the names, notes and titles they had then (none, where they had none).
    for key in (g["key"] for g in record["groups"]):
        label = labels.get(key) or {"name": "", "note": "", "teacher_title": ""}
        store.set_group_label(cohort["id"], key, {**{k: v for k, v in label.items() if k != "key"},
                                                  "updated_at": now()})
    store.remove_earlier_grouping(cohort["id"], earlier_id)
    audit.record(store, actor, "restore grouping",
                 f"Went back to the grouping of {record['fitted_at'][:16].replace('T', ' ')} UTC: "
                 f"{audit.plural(record['k'], 'group')} ({record['method']}).", cohort["id"])
    return record


def _num(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def _carry_keys(store: Store, cohort_id: str, groups: list[dict[str, Any]]) -> tuple[list[str], int]:
    """Keys for new groups (the old key where a group continues an old one, else a letter never used
    in this cohort), and how many letters have now been issued."""
    from models.profiles import match_groups

    try:
        old = store.load_grouping(cohort_id)
    except DamagedGrouping:
        old = None  # a damaged grouping is being replaced; its keys cannot be carried
    old_centres = {g["key"]: g["centre"] for g in old["groups"]} if old else {}
    matched = match_groups(old_centres, [g["centre"] for g in groups])
    used = set(old_centres) | set(store.group_labels(cohort_id))
    following = max([_key_number(k) + 1 for k in used] + [(old or {}).get("keys_issued", 0)])
    keys = []
    for index in range(len(groups)):
        if index in matched:
            keys.append(matched[index])
        else:
            keys.append(_key(following))
            following += 1
    return keys, following


def current(store: Store, cohort: Record, submitted: list[Record] | None = None) -> Record | None:
    """The cohort's grouping as it stands: names and notes applied, later submissions placed.

    Returns None if the cohort has never been grouped. Raises `DamagedGrouping`
    if the saved grouping cannot be read. If later submissions cannot be placed
    (the model is from another scikit-learn, or damaged), `problem` says so and
    they are listed as not yet placed. `submitted`: the cohort's submitted
    responses, if the caller has read them already this request (they are then
    not read again).
    """
    record = store.load_grouping(cohort["id"])
    if record is None:
        return None
    names = store.group_labels(cohort["id"])
    responses, other_versions = _submitted(store, cohort, submitted)
    by_id = {r["id"]: r for r in responses}
    # Teachers erased since the fit drop out of the groups at once.
    members = {rid: {**m, "placed": False} for rid, m in record["members"].items() if rid in by_id}
    later = [r for r in responses if r["id"] not in record["members"]]
    record["problem"], record["unplaced"] = None, []
    if later:
        try:
            members.update(place(store, cohort, record, later))
        except ModelFileError as exc:
            record["problem"] = f"{len(later)} teacher(s) submitted since the groups were formed and cannot be " \
                                f"placed in them: {exc}."
            record["unplaced"] = [_member_row(r, None) for r in later]
    record["other_versions"] = other_versions
    for group in record["groups"]:
        label = names.get(group["key"], {})
        group["name"] = label.get("name") or group["generated_name"]
        group["note"] = label.get("note") or ""
        # The planning name and note are the specialists' own; teachers only ever see this title.
        group["teacher_title"] = label.get("teacher_title") or ""
        group["renamed"] = bool(label.get("name"))
        rows = [_member_row(by_id[rid], m) for rid, m in members.items() if m["group"] == group["key"]]
        group["members"] = sorted(rows, key=lambda m: (-m["confidence"], m["respondent"]))
        group["placed_since"] = sum(m["placed"] for m in rows)
    return record


def _member_row(response: Record, member: Record | None) -> Record:
    member = member or {}
    # `respondent` names the teacher on pages; `reference` is the id given at import alone (None for a web
    # teacher), for machine outputs that also carry the response id.
    return {"id": response["id"], "respondent": respondent(response), "reference": response.get("respondent"),
            "school": response.get("school") or "",
            "confidence": member.get("confidence", 0.0), "outlier": member.get("outlier", False),
            "placed": member.get("placed", False), "map": member.get("map", [0.0, 0.0]),
            "group": member.get("group")}


_models: dict[str, tuple[str, Any]] = {}


def _model(store: Store, cohort_id: str, meta: Record) -> Any:
    """The cohort's fitted model, checked against the grouping's record; read once per process."""
    cached = _models.get(cohort_id)
    if cached and cached[0] == meta.get("sha256"):
        return cached[1]
    blob = store.load_model(cohort_id)
    if blob is None:
        raise ModelFileError("the model file is missing; re-run the grouping")
    model = loads(blob, meta)
    if not isinstance(model, dict) or not hasattr(model.get("pipeline"), "predict"):
        raise ModelFileError("the model file does not hold a grouping model; re-run the grouping")
    _models[cohort_id] = (meta["sha256"], model)
    return model


def place(store: Store, cohort: Record, record: Record, responses: list[Record]) -> dict[str, Record]:
    """Place teachers into the current groups without changing them: {response id: membership}."""
    from models.features import encode
    from models.mapping import place_on_map

    model = _model(store, cohort["id"], record["model"])
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    table = encode(responses, feature_spec(definition), index=[r["id"] for r in responses])
    try:
        features = model["pipeline"][:-1].transform(table[record["features"]])
    except (KeyError, ValueError) as exc:
        raise ModelFileError(f"the model does not fit these answers ({exc}); re-run the grouping") from exc
    groups = model["pipeline"][-1]
    labels = groups.predict(features)
    confidence = groups.predict_membership(features)
    outliers = groups.predict_outlier(features)
    coords = place_on_map(model["map"], features)
    keys = [g["key"] for g in record["groups"]]
    return {r["id"]: {"group": keys[label], "confidence": round(float(c), 3), "outlier": bool(o),
                      "map": [round(float(x), 3) for x in xy], "placed": True}
            for r, label, c, o, xy in zip(responses, labels, confidence, outliers, coords, strict=True)}


def rename(store: Store, cohort: Record, key: str, name: str, note: str, teacher_title: str = "",
           actor: str = "system") -> Record:
    """Store the specialists' planning name and note for a group, and the title its teachers see.

    An empty name goes back to the generated one; an empty teacher title shows teachers no title at all.
    """
    record = store.load_grouping(cohort["id"])
    if record is None or key not in {g["key"] for g in record["groups"]}:
        raise GroupingError(f"there is no group {key!r} in the current grouping of cohort {cohort['id']!r}")
    name, note, teacher_title = " ".join(name.split()), note.strip(), " ".join(teacher_title.split())
    if len(name) > NAME_LIMIT or len(note) > NOTE_LIMIT or len(teacher_title) > TITLE_LIMIT:
        raise GroupingError(f"a group name is at most {NAME_LIMIT} characters, a note at most {NOTE_LIMIT} and "
                            f"a title for teachers at most {TITLE_LIMIT}")
    saved = store.set_group_label(cohort["id"], key, {"name": name, "note": note, "teacher_title": teacher_title,
                                                      "updated_at": now()})
    # What they wrote stays out of the log: it may name a teacher.
    audit.record(store, actor, "rename group", f"Saved the planning name, note and title for teachers of group "
                                               f"{key}.", cohort["id"])
    return saved


def common_answers(store: Store, record: Record, group: Record) -> list[tuple[str, list[Record]]]:
    """A group's most common answers, question by question in the order the grouping describes them, school last.

    The order is taken from the definition, not from the stored record: a server database need not keep the
    order of a document's keys (PostgreSQL's JSONB does not), and the page must read the same on every store.
    """
    definition = published_definition(store, record["form_id"], record["form_version"])
    order = [d["question"] for d in feature_spec(definition)["describe"]] + ["school"]
    rank = {question: n for n, question in enumerate(order)}
    return sorted(group["mix"].items(), key=lambda item: rank.get(item[0], len(rank)))


def title_for_teacher(group: Record, member: Record) -> str | None:
    """The group title a member may see: the one written for teachers, never to a teacher who fits poorly."""
    return None if member.get("outlier") else group.get("teacher_title") or None


NAME_LIMIT, NOTE_LIMIT, TITLE_LIMIT = 80, 2000, 80
