"""Feature encoding: responses to a table of numbers, and the pipeline that imputes and scales it.

The columns come from a feature spec (plain data, see `forms.grouping.feature_spec`),
so this module never needs to know how a questionnaire is defined.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return math.nan
    return float(value)


def _read(column: dict[str, Any], answers: dict[str, Any], scores: dict[str, Any]) -> float:
    kind, key = column["kind"], column["key"]
    if kind == "score":
        return _number(scores.get(key))
    if kind == "scale":
        return _number(answers.get(key))
    if kind == "ordinal":
        value = answers.get(key)
        return float(column["order"].index(value)) if value in column["order"] else math.nan
    # An unanswered multi-choice counts as nothing chosen: skipping is how a teacher says none apply.
    chosen = answers.get(key) or []
    if not isinstance(chosen, list):
        return math.nan
    if kind == "indicator":
        return 1.0 if column["option"] in chosen else 0.0
    # A strength: 0 when the choice was not made (it does not hold the teacher back at all);
    # unknown, and so imputed, when it was made but its strength was not given.
    return _number(answers.get(column["strength"])) if column["option"] in chosen else 0.0


def encode(responses: list[dict[str, Any]], spec: dict[str, Any], index: list[str] | None = None) -> pd.DataFrame:
    """The raw feature table: one row per response, one column per feature; NaN where unknown.

    Parameters
    ----------
    responses : list of dict
        Each with `answers` (answer id -> value) and `scores` (construct id -> score).
    spec : dict
        A feature spec with `columns`.
    index : list of str, optional
        Row labels (e.g. response ids).
    """
    columns = spec["columns"]
    rows = [[_read(c, r.get("answers") or {}, r.get("scores") or {}) for c in columns] for r in responses]
    return pd.DataFrame(np.array(rows, dtype=float).reshape(len(rows), len(columns)),
                        columns=[c["name"] for c in columns], index=index)


def uninformative(table: pd.DataFrame) -> dict[str, str]:
    """Columns that cannot help tell teachers apart, with the reason: nobody answered, or everyone alike."""
    found = {}
    for name in table.columns:
        values = table[name].dropna()
        if values.empty:
            found[name] = "nobody answered it"
        elif values.nunique() == 1:
            found[name] = "every teacher gave the same answer"
    return found


def make_preprocessor(spec: dict[str, Any], columns: list[str]) -> ColumnTransformer:
    """Impute (median) and standardise each block of columns, weighting blocks to count equally.

    A block's columns are multiplied by ``weight / sqrt(number of columns)``, so
    each block adds the same amount to the squared distance between two
    teachers, whatever its size.
    """
    transformers, weights = [], {}
    for block in spec["blocks"]:
        used = [c for c in block["columns"] if c in columns]
        if not used:
            continue
        steps = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
        transformers.append((block["id"], steps, used))
        weights[block["id"]] = block["weight"] / math.sqrt(len(used))
    if not transformers:
        raise ValueError("no feature is left to group on")
    return ColumnTransformer(transformers, transformer_weights=weights, verbose_feature_names_out=False)


def make_grouping_pipeline(spec: dict[str, Any], columns: list[str], estimator: Any) -> Pipeline:
    """The whole model: encoded table -> imputed, scaled, weighted features -> groups."""
    return Pipeline([("features", make_preprocessor(spec, columns)), ("groups", estimator)])
