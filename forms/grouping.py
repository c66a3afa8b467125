"""What feeds the grouping model, as plain data: the definition's `grouping:` section, or a default.

`feature_spec` turns a definition into a list of feature columns (what each
reads from a response, its label, its range, how to phrase a group that is
high or low on it) so that `models/` can encode responses without knowing
about definitions.
"""

from __future__ import annotations

from typing import Any

from forms.schema import Definition, Grouping, GroupingBlock, Question


def grouping_of(definition: Definition) -> Grouping:
    """The definition's grouping configuration, or the default.

    The default uses every construct in one block, and every likert answer that
    no construct uses in a second block.
    """
    if definition.grouping is not None:
        return definition.grouping
    in_constructs = {item for c in definition.constructs for item in c.items}
    scales = [a for q in definition.questions() if q.type == "likert" for a in q.answer_ids() if a not in in_constructs]
    blocks = []
    if definition.constructs:
        blocks.append(GroupingBlock(id="constructs", label="Beliefs", constructs=[c.id for c in definition.constructs]))
    if scales:
        blocks.append(GroupingBlock(id="scales", label="Other ratings", answers=scales))
    return Grouping(blocks=blocks)


def feature_spec(definition: Definition) -> dict[str, Any]:
    """The feature columns and group descriptors for a definition, as JSON-ready plain data.

    Each column has `name`, `block`, `label`, `kind` (score, scale, strength,
    indicator or ordinal), what it reads (`key`, `option`, `strength`,
    `order`), its range (`min`, `max`) and `high`/`low` phrases.
    """
    grouping = grouping_of(definition)
    columns: list[dict[str, Any]] = []
    blocks = []
    for block in grouping.blocks:
        start = len(columns)
        for cid in block.constructs:
            construct = next(c for c in definition.constructs if c.id == cid)
            scale = definition.answer_question(next(iter(construct.items))).scale
            columns.append(_column(block, cid, construct.label, "score", key=cid, min=scale.min, max=scale.max))
        for qid in block.questions:
            columns += _question_columns(block, definition.question(qid), definition)
        for answer in block.answers:
            q = definition.answer_question(answer)
            text = next((item.text for item in q.items or [] if item.id == answer), q.prompt)
            columns.append(_column(block, answer, text, "scale", key=answer, min=q.scale.min, max=q.scale.max))
        blocks.append({"id": block.id, "label": block.label, "weight": block.weight,
                       "columns": [c["name"] for c in columns[start:]]})
    describe = [{"question": q.id, "prompt": q.prompt, "type": q.type,
                 "options": {c.id: c.label for c in q.options}}
                for q in (definition.question(qid) for qid in grouping.describe)]
    return {"blocks": blocks, "columns": columns, "describe": describe}


def _question_columns(block: GroupingBlock, q: Question, definition: Definition) -> list[dict[str, Any]]:
    if q.type == "likert":
        texts = {item.id: item.text for item in q.items} if q.is_grid else {q.id: q.prompt}
        return [_column(block, a, texts[a], "scale", key=a, min=q.scale.min, max=q.scale.max)
                for a in q.answer_ids()]
    if q.type == "number":
        return [_column(block, q.id, q.prompt, "scale", key=q.id, min=q.min, max=q.max)]
    if q.type == "single_choice":
        order = [c.id for c in q.options]
        return [_column(block, q.id, q.prompt, "ordinal", key=q.id, order=order, min=0, max=len(order) - 1)]
    if block.strength:
        found = []
        for c in q.options:
            source = definition.answer_question(block.strength.replace("{choice}", c.id))
            found.append(_column(block, f"{q.id}:{c.id}", c.label, "strength", key=q.id, option=c.id,
                                 strength=block.strength.replace("{choice}", c.id), min=0,
                                 max=source.scale.max if source.scale else 1))
        return found
    return [_column(block, f"{q.id}:{c.id}", c.label, "indicator", key=q.id, option=c.id, min=0, max=1)
            for c in q.options]


def _column(block: GroupingBlock, name: str, label: str, kind: str, **reads: Any) -> dict[str, Any]:
    item = label.rstrip("?.").strip()
    item = item[0].lower() + item[1:] if item[:2] != item[:2].upper() else item
    return {"name": name, "block": block.id, "label": label, "kind": kind, "item": item,
            "high": block.high.replace("{item}", item), "low": block.low.replace("{item}", item),
            "templates": {"high": block.high, "low": block.low}, **reads}
