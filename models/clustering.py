"""The starting-point grouping estimator: k-means, Gaussian mixture or Ward, with an honest choice of k."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from numbers import Integral, Real

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn import config_context
from sklearn.base import BaseEstimator, ClusterMixin, clone
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score, pairwise_distances, silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, check_scalar, validate_data

from models import METHODS  # defined in the package, so that pages and commands list them without scikit-learn

Progress = Callable[[str], None]
# How far the real silhouette must rise above the one found in shuffled data to count as structure.
STRUCTURE_MARGIN = 0.02
# Random starts per mixture when comparing numbers of groups.
SEARCH_STARTS = 3  # with one, the search chose a wrong k in 3 of 10 tuning cohorts
# Silhouettes within this share of the best count as tied and the likelihood chooses among them. Merging a
# rare group costs the silhouette about 3% in planted cohorts; splitting a real group costs it 15% or more.
SILHOUETTE_TIE = 0.05
# What a fit keeps per training row, in the estimator and in the k-means inside it. Placing teachers needs only
# the group centres, cut-offs and mixture, so these can be forgotten (see `StartingPointGroups.forget_rows`).
PER_ROW = ("labels_", "membership_", "outliers_")


class StartingPointGroups(ClusterMixin, BaseEstimator):
    """Group teachers by starting point, saying how clear the groups are.

    With ``n_clusters="auto"`` every k from 2 to `max_clusters` is fitted with
    the method, and only groupings whose smallest group has at least
    ``max(min_group_size, ceil(min_group_share * n))`` teachers are allowed.
    The silhouette narrows the field: every allowed k whose silhouette is
    within `SILHOUETTE_TIE` of the best is a contender. Among the contenders,
    the lowest BIC of a Gaussian mixture with one covariance shared by all
    groups chooses k, so a rare starting point that the silhouette would merge
    into its neighbour is kept; if one group has a lower BIC still, there is
    no structure. The data are then checked for real structure: the
    silhouette of the chosen groups must beat, by a margin, the silhouette of
    groups found by the same method (k-means for the mixture) in the same
    teachers with each feature shuffled separately (which keeps every
    answer's spread but destroys any grouping). Without structure, or with fewer than twice the
    minimum group size of teachers, everyone is in one group and `finding_`
    says why.

    Parameters
    ----------
    n_clusters : "auto" or int, default="auto"
        Number of groups, or "auto" to choose it.
    method : {"kmeans", "gmm", "ward"}, default="kmeans"
        k-means, a Gaussian mixture with diagonal covariances, or Ward's hierarchical clustering.
    max_clusters : int, default=8
        Largest k tried by "auto".
    min_group_share : float, default=0.05
        Smallest group allowed by "auto", as a share of the teachers.
    min_group_size : int, default=3
        Smallest group allowed by "auto", in teachers.
    n_init : int, default=10
        Starts per fit for k-means and mixtures (the best is kept); the stability and
        structure checks use at most 3.
    n_resamples : int, default=20
        Bootstrap resamples for the stability figure.
    sample_size : int, default=2000
        Teachers sampled for the silhouette, the stability and the structure check on large cohorts.
    random_state : int, default=0
        Seed for every random step, so the same data give the same groups.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Group of each teacher, numbered from 0.
    n_clusters_ : int
        Number of groups found.
    cluster_centers_ : ndarray of shape (n_clusters_, n_features)
        Mean of each group's features.
    membership_ : ndarray of shape (n_samples,)
        How clearly each teacher belongs to their group, from 1/k to 1.
    outliers_ : ndarray of bool, shape (n_samples,)
        Teachers much further from their group's centre than most of its members.
    silhouette_ : float or None
        Mean silhouette of the groups (None with one group).
    stability_ : float or None
        Mean adjusted Rand index between the groups and those found on bootstrap resamples.
    structure_ : bool
        Whether the data show more grouping than shuffled data.
    finding_ : str
        Why there are this many groups: "groups", "requested", "no_structure", "too_few",
        "no_variance" or "groups_too_small".
    search_ : list of dict
        Each k tried, with its `silhouette`, `bic` (of the shared-covariance mixture, for the
        contenders and one group only, else None), `smallest` group and whether it was `allowed`.
    min_size_ : int
        The minimum group size used.
    """

    def __init__(self, n_clusters="auto", method="kmeans", max_clusters=8, min_group_share=0.05,
                 min_group_size=3, n_init=10, n_resamples=20, sample_size=2000, random_state=0):
        self.n_clusters = n_clusters
        self.method = method
        self.max_clusters = max_clusters
        self.min_group_share = min_group_share
        self.min_group_size = min_group_size
        self.n_init = n_init
        self.n_resamples = n_resamples
        self.sample_size = sample_size
        self.random_state = random_state

    def fit(self, X, y=None, progress: Progress | None = None):
        """Find the groups.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Imputed, scaled features.
        y : ignored
        progress : callable, optional
            Called with a short message before each step of a long fit.

        Returns
        -------
        self : StartingPointGroups

        Raises
        ------
        ValueError
            If a hyperparameter is out of range, or more groups are asked for than there are teachers.
        TypeError
            If a hyperparameter is of the wrong type.
        """
        self._check_hyperparameters()
        # The inner k-means, mixtures and metrics get only values checked here or made by this code, so
        # scikit-learn need not check their parameters again on every one of the many fits.
        with config_context(skip_parameter_validation=True):
            return self._fit(X, progress)

    def _check_hyperparameters(self):
        """Raise a ValueError (out of range) or TypeError (wrong type) naming the first bad hyperparameter."""
        if isinstance(self.n_clusters, str):
            if self.n_clusters != "auto":
                raise ValueError(f'n_clusters must be "auto" or a whole number of groups, got {self.n_clusters!r}')
        else:
            check_scalar(self.n_clusters, "n_clusters", Integral, min_val=1)
        if not isinstance(self.method, str) or self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, got {self.method!r}")
        check_scalar(self.max_clusters, "max_clusters", Integral, min_val=2)
        check_scalar(self.min_group_share, "min_group_share", Real, min_val=0, max_val=1)
        if math.isnan(self.min_group_share):  # NaN passes every comparison check_scalar makes
            raise ValueError("min_group_share must be a share between 0 and 1, got nan")
        check_scalar(self.min_group_size, "min_group_size", Integral, min_val=1)
        check_scalar(self.n_init, "n_init", Integral, min_val=1)
        check_scalar(self.n_resamples, "n_resamples", Integral, min_val=0)
        check_scalar(self.sample_size, "sample_size", Integral, min_val=10)
        seed = self.random_state
        if seed is not None and not isinstance(seed, np.random.RandomState):
            if not isinstance(seed, Integral):
                raise TypeError(f"random_state must be None, an int or a numpy RandomState, got {seed!r}")
            check_scalar(seed, "random_state", Integral, min_val=0, max_val=2**32 - 1)

    def _fit(self, X, progress):
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        say = progress or (lambda message: None)
        n = X.shape[0]
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        self.min_size_ = max(self.min_group_size, math.ceil(self.min_group_share * n))
        self.search_, self.silhouette_, self.stability_, self.structure_ = [], None, None, False
        self.reference_silhouette_ = None
        sample = np.sort(check_random_state(seed).permutation(n)[: self.sample_size])
        distances = pairwise_distances(X[sample]) if n > 1 else None
        if isinstance(self.n_clusters, Integral) and self.n_clusters > n:
            raise ValueError(f"n_clusters={self.n_clusters} is more than the {n} teachers to group")

        if n < 2 * self.min_size_:
            return self._one_group(X, "too_few")
        if np.unique(X, axis=0).shape[0] < 2:
            return self._one_group(X, "no_variance")
        most = min(self.max_clusters, n // self.min_size_)
        tree = linkage(X, method="ward") if self.method == "ward" else None
        if self.n_clusters == "auto":
            chosen = self._choose_k(X, most, seed, sample, distances, tree, say)
            if isinstance(chosen, str):
                return self._one_group(X, chosen)
            k, labels, self.model_ = chosen
        else:
            k = self.n_clusters
            say(f"trying {k} groups")
            labels, self.model_ = self._fit_k(X, k, seed, tree)
            smallest = int(np.bincount(labels, minlength=k).min()) if k > 1 else n
            self.search_.append({"k": int(k), "silhouette": self._silhouette(labels, sample, distances),
                                 "bic": None, "smallest": smallest, "allowed": smallest >= self.min_size_})
        if len(np.unique(labels[sample])) > 1:  # a requested small group can be missing from the sample
            self.silhouette_ = float(silhouette_score(distances, labels[sample], metric="precomputed"))
        say("checking the groups against shuffled answers")
        self.structure_ = self.silhouette_ is not None and self._has_structure(X, k, seed, sample)
        if self.n_clusters == "auto" and not self.structure_:
            return self._one_group(X, "no_structure")
        self.finding_ = "groups" if self.n_clusters == "auto" else "requested"
        self._set_groups(X, labels)
        if k > 1 and self.n_resamples:
            self.stability_ = self._stability(X, k, seed, sample, say)
        return self

    # -- choosing the number of groups ------------------------------------------------
    def _choose_k(self, X, most, seed, sample, distances, tree, say):
        """The number of groups: the silhouette narrows the field, a mixture's likelihood decides.

        The silhouette rewards a few large groups: splitting a rare starting point off its
        neighbour barely changes it, so on its own it merges small groups. Splitting a real
        group in two, on the other hand, lowers it clearly. So every allowed k whose silhouette
        is within `SILHOUETTE_TIE` (a share) of the best is a contender, and among them the one
        with the lowest BIC of a Gaussian mixture with one covariance shared by all groups (the
        equal-variance latent profile model) wins: its likelihood counts every teacher a group
        explains, so a small group that is really there pays for its centre and share. If one
        group has a lower BIC than the winner, there is no structure. Returns (k, labels, model)
        or the reason for one group.
        """
        n = X.shape[0]
        fits = {}
        for k in range(2, most + 1):
            say(f"trying {k} groups")
            labels, model = self._fit_k(X, k, seed, tree)
            fits[k] = labels, model
            smallest = int(np.bincount(labels, minlength=k).min())
            self.search_.append({"k": k, "silhouette": self._silhouette(labels, sample, distances), "bic": None,
                                 "smallest": smallest, "allowed": smallest >= self.min_size_})
        allowed = [s for s in self.search_ if s["allowed"]]
        if not allowed:
            return "groups_too_small"
        top = max(s["silhouette"] for s in allowed)
        contenders = [s for s in allowed if s["silhouette"] >= top - SILHOUETTE_TIE * abs(top)]
        say("comparing the likeliest numbers of groups")
        fit_on = X[sample]
        for entry in contenders:
            entry["bic"] = self._shared_bic(fit_on, entry["k"], seed, fits[entry["k"]][0][sample])
        judged = [s for s in contenders if s["bic"] is not None]
        if not judged:  # answers too degenerate for any mixture: the silhouette alone decides
            best = max(contenders, key=lambda s: (s["silhouette"], -s["k"]))
            return best["k"], *fits[best["k"]]
        best = min(judged, key=lambda s: (s["bic"], s["k"]))
        one = self._shared_bic(fit_on, 1, seed)
        # One group is listed first, so the search shows what every split was compared with.
        self.search_.insert(0, {"k": 1, "silhouette": None, "bic": one, "smallest": n, "allowed": True})
        if one is not None and one <= best["bic"]:
            return "no_structure"
        return best["k"], *fits[best["k"]]

    def _shared_bic(self, X, k, seed, labels=None):
        """The lowest BIC found for a k-group shared-covariance mixture: from random starts, and from the groups."""
        found = [self._shared_mixture(X, k, seed)]
        if labels is not None and len(np.unique(labels)) == k:
            # Starting from the method's own groups finds a small group that random starts can miss.
            centres = np.array([X[labels == g].mean(axis=0) for g in range(k)])
            found.append(self._shared_mixture(X, k, seed, centres))
        scores = [float(m.bic(X)) for m in found if m is not None]
        return min(scores) if scores else None

    def _shared_mixture(self, X, k, seed, centres=None):
        # A small floor on the variance keeps the fit defined when a column barely varies.
        starts = 1 if centres is not None else min(SEARCH_STARTS, self.n_init)
        mixture = GaussianMixture(n_components=k, covariance_type="tied", n_init=starts, means_init=centres,
                                  reg_covar=1e-3, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            try:
                return mixture.fit(X)
            except (ValueError, np.linalg.LinAlgError):
                return None

    # -- the underlying fits --------------------------------------------------------
    def _fit_k(self, X, k, seed, tree=None, n_init=None):
        n_init = n_init or self.n_init
        if k == 1:
            return np.zeros(X.shape[0], dtype=int), None
        if self.method == "kmeans":
            # Single precision is ample for standardised ratings and makes k-means about twice as fast.
            model = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(X.astype(np.float32, copy=False))
            return model.labels_.astype(int), model
        if self.method == "gmm":
            # Answers are whole points on short scales, so many teachers share exactly the same value.
            # A variance floor (in standardised units) stops a component collapsing onto them, which
            # BIC would otherwise reward with ever more groups.
            model = GaussianMixture(n_components=k, covariance_type="diag", n_init=n_init,
                                    reg_covar=0.1, random_state=seed).fit(X)
            return model.predict(X).astype(int), model
        tree = linkage(X, method="ward") if tree is None else tree
        return fcluster(tree, k, criterion="maxclust").astype(int) - 1, None

    def _silhouette(self, labels, sample, distances):
        if len(np.unique(labels[sample])) < 2:
            return -1.0
        return float(silhouette_score(distances, labels[sample], metric="precomputed"))

    def _has_structure(self, X, k, seed, sample):
        # Shuffling each feature separately keeps every answer's spread but destroys any grouping:
        # real groups must separate better than the groups found in such noise.
        # A thousand teachers and three starts per fit are plenty to see what chance alone produces.
        # A mixture fitted to shuffled answers often puts nearly everyone in one component and a teacher
        # or two in the others, whose silhouette says nothing about chance groups; k-means always splits,
        # so it stands in for the mixture here.
        rng = check_random_state(seed)
        few = sample[:: max(1, len(sample) // 1000)]
        shuffled = []
        reference = clone(self).set_params(method="kmeans") if self.method == "gmm" else self
        for _ in range(5):
            noise = np.column_stack([rng.permutation(column) for column in X[few].T])
            labels, _ = reference._fit_k(noise, k, seed, n_init=min(3, self.n_init))
            shuffled.append(silhouette_score(noise, labels) if len(np.unique(labels)) > 1 else 0.0)
        self.reference_silhouette_ = float(np.mean(shuffled))
        margin = max(STRUCTURE_MARGIN, 2 * float(np.std(shuffled)))
        return bool(self.silhouette_ > self.reference_silhouette_ + margin)

    def _stability(self, X, k, seed, sample, say):
        rng = check_random_state(seed)
        reference = self.labels_[sample]
        scores = []
        for b in range(self.n_resamples):
            if b % 5 == 0:
                say(f"checking stability ({b} of {self.n_resamples} resamples)")
            draw = rng.choice(X.shape[0], size=len(sample), replace=True)
            labels, model = self._fit_k(X[draw], k, seed + b + 1, n_init=min(3, self.n_init))
            if self.method == "gmm":
                predicted = model.predict(X[sample])
            else:
                centres = np.array([X[draw][labels == g].mean(axis=0) for g in range(k) if np.any(labels == g)])
                predicted = pairwise_distances(X[sample], centres).argmin(axis=1)
            scores.append(adjusted_rand_score(reference, predicted))
        return float(np.mean(scores))

    # -- groups, membership and outliers ------------------------------------------------
    def _one_group(self, X, finding):
        self.finding_ = finding
        self.model_ = None
        self._set_groups(X, np.zeros(X.shape[0], dtype=int))
        return self

    def _set_groups(self, X, labels):
        # Renumber so that group 0 is the largest and numbers have no gaps: stable, readable numbering.
        mixture = self.model_ if self.method == "gmm" else None
        counts = np.bincount(labels, minlength=mixture.n_components if mixture is not None else 1)
        present = np.flatnonzero(counts)
        order = present[np.argsort(-counts[present], kind="stable")]
        renumber = np.full(len(counts), -1)
        renumber[order] = np.arange(len(order))
        labels = renumber[labels]
        if mixture is not None and len(order) < mixture.n_components:
            self.model_ = None  # an empty component: place teachers by nearest centre instead
        self.component_order_ = order
        self.labels_ = labels
        self.n_clusters_ = len(order)
        self.cluster_centers_ = np.array([X[labels == g].mean(axis=0) for g in range(self.n_clusters_)])
        self.membership_ = self.predict_membership(X)
        spread = np.linalg.norm(X - self.cluster_centers_[labels], axis=1)
        cutoffs = []
        for g in range(self.n_clusters_):
            q1, q3 = np.percentile(spread[labels == g], [25, 75])
            cutoffs.append(q3 + 1.5 * (q3 - q1))
        self.outlier_cutoffs_ = np.array(cutoffs)
        self.outliers_ = spread > self.outlier_cutoffs_[labels] + 1e-9

    def _posteriors(self, X):
        if self.model_ is not None and self.method == "gmm":
            return self.model_.predict_proba(X)[:, self.component_order_]
        # Fuzzy membership from distances to the group centres (inverse squared distance, normalised).
        d2 = pairwise_distances(X, self.cluster_centers_, metric="sqeuclidean")
        near = d2 < 1e-12
        inverse = np.where(near, 0.0, 1.0 / np.maximum(d2, 1e-12))
        inverse[near.any(axis=1)] = near[near.any(axis=1)]
        return inverse / inverse.sum(axis=1, keepdims=True)

    def predict(self, X):
        """The group of each teacher in X (nearest centre, or most likely mixture component)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return self._posteriors(X).argmax(axis=1)

    def predict_membership(self, X):
        """How clearly each teacher belongs to their predicted group, from 1/k to 1."""
        check_is_fitted(self, "cluster_centers_")
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return self._posteriors(X).max(axis=1)

    def predict_outlier(self, X):
        """Whether each teacher is much further from their group's centre than most of its members."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        labels = self._posteriors(X).argmax(axis=1)
        return np.linalg.norm(X - self.cluster_centers_[labels], axis=1) > self.outlier_cutoffs_[labels] + 1e-9

    def forget_rows(self):
        """Forget what the fit kept about each training teacher, keeping what places new ones.

        A fitted estimator keeps, besides summaries over the cohort (group
        centres, outlier cut-offs, the mixture, the search), one value per
        training row in `labels_`, `membership_` and `outliers_`, and its
        k-means keeps `labels_` too. They carry no ids, only row order, but a
        teacher whose data are erased must not stay in them, so all of them go.
        `predict`, `predict_membership` and `predict_outlier` work as before.

        Returns
        -------
        self : StartingPointGroups
            The same estimator, still fitted, without the per-row attributes.

        Raises
        ------
        NotFittedError
            If the estimator has not been fitted.
        """
        check_is_fitted(self, "cluster_centers_")
        for owner in (self, getattr(self, "model_", None)):
            for name in PER_ROW:
                if owner is not None and name in vars(owner):
                    delattr(owner, name)
        return self
