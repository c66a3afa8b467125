"""Statistical models (scikit-learn): feature encoding and grouping teachers by starting point.

Only numpy, pandas, scipy and scikit-learn are imported here, never Flask or
TinyDB: what feeds the model arrives as a plain feature spec (built from a
definition by `forms.grouping`), and records are stored by `diagnostic.store`.
"""
