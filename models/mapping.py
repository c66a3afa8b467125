"""A 2-D map of teachers for the specialist: the first two principal components of the model's features."""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA


def fit_map(features: np.ndarray, random_state: int = 0) -> PCA | None:
    """A PCA onto two axes fitted to the scaled features, or None when there is nothing to spread out."""
    if features.shape[0] < 3 or features.shape[1] < 2 or np.allclose(features.std(axis=0), 0):
        return None
    return PCA(n_components=2, random_state=random_state).fit(features)


def place_on_map(pca: PCA | None, features: np.ndarray) -> np.ndarray:
    """Each teacher's (x, y) on the map; everyone at the centre when there is no map."""
    if pca is None:
        return np.zeros((features.shape[0], 2))
    return pca.transform(features)
