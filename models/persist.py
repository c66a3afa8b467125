"""Saving and loading fitted models as bytes, refusing any that this installation cannot trust.

A fitted model is a pickle (joblib), and unpickling runs code, so bytes are
only unpickled when their SHA-256 matches the one recorded when the model was
saved and the scikit-learn version matches the one that made it. Where the
bytes are kept is the caller's business (the data directory).
"""

from __future__ import annotations

import hashlib
import io
import pickle
import struct
import zlib
from typing import Any

# joblib and scikit-learn are imported inside dumps and loads: the pages and commands that only read a
# ModelFileError or never touch a model should not pay for loading scikit-learn.


class ModelFileError(Exception):
    """A saved model cannot be used; the message says why and what to do."""


def fingerprint(blob: bytes) -> str:
    """The SHA-256 of a saved model's bytes."""
    return hashlib.sha256(blob).hexdigest()


def dumps(model: Any) -> tuple[bytes, dict[str, str]]:
    """The model as bytes, and the metadata needed to load it safely later."""
    import joblib
    import sklearn

    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=3)
    blob = buffer.getvalue()
    return blob, {"sklearn": sklearn.__version__, "sha256": fingerprint(blob)}


def loads(blob: bytes, meta: dict[str, Any]) -> Any:
    """The model saved as `blob`, after checking it against its metadata.

    Raises
    ------
    ModelFileError
        If the scikit-learn version differs, the bytes are not the ones saved,
        or they cannot be read.
    """
    import joblib
    import sklearn

    if meta.get("sklearn") != sklearn.__version__:
        raise ModelFileError(f"the model was made with scikit-learn {meta.get('sklearn')} but this server has "
                             f"{sklearn.__version__}; re-run the grouping to make a new one")
    if fingerprint(blob) != meta.get("sha256"):
        raise ModelFileError("the model file does not match the one saved with these groups (it was changed, "
                             "damaged or replaced); re-run the grouping to make a new one")
    try:
        return joblib.load(io.BytesIO(blob))
    # What damaged pickle or zlib bytes can raise; anything else is a real fault and should surface.
    except (pickle.UnpicklingError, EOFError, ValueError, AttributeError, ImportError, KeyError, TypeError,
            IndexError, zlib.error, struct.error, OSError) as exc:
        raise ModelFileError(f"the model file cannot be read ({exc}); re-run the grouping") from exc
