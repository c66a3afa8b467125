"""Checks on `grouping:`: each block names constructs and answers that exist, can feed it, and no other block uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from forms.checks.raw import RawDefinition, construct_ids, sequence
from forms.yamlfile import Problem, hashable, listed

FEEDS_GROUPING = ("likert", "number", "single_choice", "multi_choice")
DESCRIBES_GROUP = ("single_choice", "multi_choice", "ranking")


class Block(NamedTuple):
    """One grouping block, where it is written, and how messages about it begin."""

    block: dict
    where: tuple
    name: str


@dataclass
class Claims:
    """What earlier blocks have: their ids, and each construct or answer with the block it feeds."""

    ids: set = field(default_factory=set)
    taken: dict[str, str] = field(default_factory=dict)

    def take(self, item: str, at: tuple, what: str, blk: Block) -> list[Problem]:
        """Give `item` to this block; a problem if an earlier block has it, or its column would be doubled."""
        problems = []
        if item in self.taken:
            problems.append(Problem(at, f"{blk.name}{what} is already used by block '{self.taken[item]}'"))
        self.taken.setdefault(item, str(blk.block.get("id")))
        return problems


def grouping_problems(raw: RawDefinition) -> list[Problem]:
    """Every block's problems, block by block, then those of `describe`."""
    grouping = raw.data.get("grouping")
    if not isinstance(grouping, dict):
        return []
    problems, claims = [], Claims()
    for i, block in enumerate(sequence(grouping.get("blocks"))):
        if not isinstance(block, dict):
            continue  # the schema reports it; counting only mappings would point at the wrong block
        blk = Block(block, ("grouping", "blocks", i), f"grouping block '{block.get('id')}': ")
        for check in BLOCK_CHECKS:
            problems += check(raw, blk, claims)
    return problems + _describe(raw, grouping)


def _block_id(raw: RawDefinition, blk: Block, claims: Claims) -> list[Problem]:
    """A block id an earlier block has."""
    bid = blk.block.get("id")
    if not hashable(bid):
        return []
    problems = [Problem(blk.where + ("id",), f"{blk.name}duplicate block id")] if bid in claims.ids else []
    claims.ids.add(bid)
    return problems


def _block_constructs(raw: RawDefinition, blk: Block, claims: Claims) -> list[Problem]:
    """Constructs the definition does not have, or that an earlier block uses."""
    problems, known = [], construct_ids(raw.data)
    for k, cid in enumerate(listed(blk.block.get("constructs"))):
        at = blk.where + ("constructs", k)
        if isinstance(cid, str) and cid not in known:
            problems.append(Problem(at, f"{blk.name}unknown construct '{cid}'"))
        elif isinstance(cid, str):
            problems += claims.take(f"construct {cid}", at, f"construct '{cid}'", blk)
    return problems


def _block_questions(raw: RawDefinition, blk: Block, claims: Claims) -> list[Problem]:
    """Questions that are unknown or cannot feed the grouping, answers an earlier block uses, and strengths."""
    problems = []
    for k, qid in enumerate(listed(blk.block.get("questions"))):
        at, q = blk.where + ("questions", k), raw.by_id.get(qid) if isinstance(qid, str) else None
        if isinstance(qid, str) and q is None:
            problems.append(Problem(at, f"{blk.name}unknown question '{qid}'"))
        elif q is not None and q.get("type") not in FEEDS_GROUPING:
            problems.append(Problem(at, f"{blk.name}'{qid}' is {q.get('type')}; only "
                                        f"{', '.join(FEEDS_GROUPING)} questions can feed the grouping"))
        elif q is not None:
            for answer, _ in raw.answer_ids(q):
                problems += claims.take(f"answer {answer}", at, f"'{answer}' (in question '{qid}')", blk)
            problems += _strength(raw, blk, q, qid)
    return problems


def _strength(raw: RawDefinition, blk: Block, q: dict, qid: str) -> list[Problem]:
    """For a multi_choice question, a strength pattern naming no answer for one of its choices."""
    pattern = blk.block.get("strength")
    if not isinstance(pattern, str) or q.get("type") != "multi_choice":
        return []
    problems = []
    for choice in raw.choice_ids(q) or []:
        target = pattern.replace("{choice}", str(choice))
        if target not in raw.answers:
            problems.append(Problem(blk.where + ("strength",), f"{blk.name}strength names '{target}' for choice "
                                    f"'{choice}' of '{qid}', but there is no such question"))
    return problems


def _block_answers(raw: RawDefinition, blk: Block, claims: Claims) -> list[Problem]:
    """Answers that are not likert or number answers, or that an earlier block uses."""
    scale_answers = {a for q in raw.by_id.values() if q.get("type") in ("likert", "number")
                     for a, _ in raw.answer_ids(q)}
    problems = []
    for k, answer in enumerate(listed(blk.block.get("answers"))):
        at = blk.where + ("answers", k)
        if isinstance(answer, str) and answer not in scale_answers:
            problems.append(Problem(at, f"{blk.name}'{answer}' is not a likert or number answer"))
        elif isinstance(answer, str):
            problems += claims.take(f"answer {answer}", at, f"'{answer}'", blk)
    return problems


def _describe(raw: RawDefinition, grouping: dict) -> list[Problem]:
    """Questions in `describe` that are not choice questions."""
    problems = []
    for k, qid in enumerate(listed(grouping.get("describe"))):
        q = raw.by_id.get(qid) if isinstance(qid, str) else None
        if isinstance(qid, str) and (q is None or q.get("type") not in DESCRIBES_GROUP):
            problems.append(Problem(("grouping", "describe", k), f"grouping describe: '{qid}' must name a "
                                    f"{', '.join(DESCRIBES_GROUP)} question"))
    return problems


BLOCK_CHECKS = (_block_id, _block_constructs, _block_questions, _block_answers)
