"""Statistical models (scikit-learn): feature encoding and grouping teachers by starting point.

Only numpy, pandas and scikit-learn are imported here, never Flask or TinyDB;
records are stored by `diagnostic.store`. The grouping estimator arrives with
the cohort-review work; the questionnaire engine does not depend on it.
"""
