"""Statistical models (scikit-learn): feature encoding and grouping teachers by starting point.

Only numpy, pandas, scipy and scikit-learn are imported here, never Flask or
TinyDB: what feeds the model arrives as a plain feature spec (built from a
definition by `forms.grouping`), and records are stored by the store (`diagnostic.storage`).

The modules are imported one by one where they are used, never from this file,
so that importing the package for `METHODS` loads none of those libraries.
"""

METHODS = ("kmeans", "gmm", "ward")  # the grouping methods `clustering.StartingPointGroups` offers
