"""Saving fitted models as bytes, and refusing bytes that cannot be trusted before anything is unpickled."""

from __future__ import annotations

import hashlib

import joblib
import numpy as np
import pandas as pd
import pytest
import sklearn

from models.clustering import StartingPointGroups
from models.features import make_grouping_pipeline
from models.persist import ModelFileError, dumps, fingerprint, loads

SPEC = {"columns": [{"name": n} for n in ("a", "b", "c")],
        "blocks": [{"id": "one", "label": "One", "weight": 1.0, "columns": ["a", "b"]},
                   {"id": "two", "label": "Two", "weight": 0.5, "columns": ["c"]}]}


def teachers(seed: int = 0, n: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = np.vstack([rng.normal(centre, 0.3, (n, 3)) for centre in (1.0, 4.0, 7.0)])
    return pd.DataFrame(data, columns=["a", "b", "c"])


@pytest.fixture(scope="module")
def fitted():
    return make_grouping_pipeline(SPEC, ["a", "b", "c"], StartingPointGroups(n_resamples=2)).fit(teachers())


@pytest.fixture(scope="module")
def saved(fitted):
    return dumps(fitted)


@pytest.fixture
def no_unpickling(monkeypatch):
    """Fail the test if anything reaches joblib.load."""
    def refuse(*args, **kwargs):
        raise AssertionError("untrusted bytes were unpickled")
    monkeypatch.setattr(joblib, "load", refuse)


def test_a_saved_model_loads_and_predicts_the_same(fitted, saved):
    blob, meta = saved
    loaded = loads(blob, meta)
    assert loaded is not fitted
    later = teachers(seed=1)
    np.testing.assert_array_equal(loaded.predict(later), fitted.predict(later))
    np.testing.assert_array_equal(loaded[-1].labels_, fitted[-1].labels_)
    np.testing.assert_array_equal(loaded[-1].predict_membership(loaded[:-1].transform(later)),
                                  fitted[-1].predict_membership(fitted[:-1].transform(later)))
    assert loaded[-1].get_params() == fitted[-1].get_params()


def test_metadata_records_the_scikit_learn_version_and_the_bytes_fingerprint(saved):
    blob, meta = saved
    assert meta == {"sklearn": sklearn.__version__, "sha256": hashlib.sha256(blob).hexdigest()}
    assert fingerprint(blob) == meta["sha256"]


@pytest.mark.parametrize("version", ["0.24.2", "1.5.0", "99.0"])
def test_a_model_from_another_scikit_learn_is_refused_naming_both_versions(saved, version, no_unpickling):
    blob, meta = saved
    with pytest.raises(ModelFileError) as caught:
        loads(blob, {**meta, "sklearn": version})
    message = str(caught.value)
    assert f"scikit-learn {version}" in message
    assert sklearn.__version__ in message
    assert "re-run the grouping" in message


@pytest.mark.parametrize("meta", [{}, {"sklearn": sklearn.__version__}, {"sha256": "0" * 64}],
                         ids=["no metadata", "no fingerprint", "no version"])
def test_missing_metadata_is_refused_without_unpickling(saved, meta, no_unpickling):
    with pytest.raises(ModelFileError, match="re-run the grouping"):
        loads(saved[0], meta)


def flip(blob: bytes, at: int) -> bytes:
    changed = bytearray(blob)
    changed[at] ^= 0x01
    return bytes(changed)


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_changed_bytes_are_refused_without_unpickling(saved, where, no_unpickling):
    blob, meta = saved
    at = {"first": 0, "middle": len(blob) // 2, "last": len(blob) - 1}[where]
    with pytest.raises(ModelFileError, match="does not match the one saved"):
        loads(flip(blob, at), meta)


def test_another_valid_model_in_place_of_the_saved_one_is_refused(saved, no_unpickling):
    other, _ = dumps(make_grouping_pipeline(SPEC, ["a", "b", "c"], StartingPointGroups(n_clusters=2, n_resamples=0))
                     .fit(teachers(seed=3)))
    with pytest.raises(ModelFileError, match="changed, damaged or replaced"):
        loads(other, saved[1])


def matching(blob: bytes) -> dict[str, str]:
    """Metadata that vouches for these exact bytes (the damage happened before the fingerprint was taken)."""
    return {"sklearn": sklearn.__version__, "sha256": fingerprint(blob)}


@pytest.mark.parametrize("keep", [0.0, 0.01, 0.5], ids=["empty", "header only", "half"])
def test_truncated_bytes_with_a_matching_fingerprint_are_refused_as_unreadable(saved, keep):
    blob = saved[0][: int(len(saved[0]) * keep)]
    with pytest.raises(ModelFileError, match="the model file cannot be read"):
        loads(blob, matching(blob))


@pytest.mark.parametrize("junk", [b"not a model at all", bytes(range(256)) * 4], ids=["text", "binary"])
def test_bytes_that_are_no_model_are_refused_as_unreadable(junk):
    with pytest.raises(ModelFileError, match="the model file cannot be read"):
        loads(junk, matching(junk))


def test_every_truncation_with_a_matching_fingerprint_is_refused_as_unreadable(saved):
    blob = saved[0]
    raw = []
    for cut in range(len(blob) - 16):  # the last few bytes are the compressed stream's trailer
        part = blob[:cut]
        try:
            loads(part, matching(part))
        except ModelFileError:
            continue
        except Exception as exc:  # any other exception is the failure being looked for
            raw.append((cut, type(exc).__name__))
        else:
            raw.append((cut, "loaded"))
    assert raw == []


def test_corrupted_bytes_with_a_matching_fingerprint_are_refused_as_unreadable(saved):
    blob = flip(saved[0], len(saved[0]) // 2)
    with pytest.raises(ModelFileError, match="the model file cannot be read"):
        loads(blob, matching(blob))
