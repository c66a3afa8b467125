"""What each kind of partnership is scored on, in the order the reasons and the coordinator's table give them.

Kept apart from the solvers so that a page can show the order without loading numpy, scipy and rustworkx.
"""

from __future__ import annotations

CO_COACHING = ("focus", "confidence", "availability", "observation", "school", "wishes", "roles")
MENTORING = ("strength", "experience", "availability", "observation", "school", "wishes")
SPECIALIST = ("expertise", "need", "wants_coaching")
BY_MODE = {"co-coaching": CO_COACHING, "mentoring": MENTORING, "specialist": SPECIALIST}
