"""Limits the definition format shares with the app's forms, commands and engines, each defined once here.

They live in forms/ because the schema needs them and forms/ never imports
diagnostic/. Each is an inclusive (lowest, highest) pair.
"""

from __future__ import annotations

MENTOR_CAPACITY = (1, 20)
"""Mentees one mentor takes: a definition's `pairing.mentor_capacity`, the coordinator's run, `pair --capacity`."""

FOCUS_WEIGHT = (0, 3)
"""A learning focus's priority: the menu's `weight` and `school_weights`, and the coordinator's menu weights."""

PARTNER_CONTACT = (0, 200)
"""Characters a teacher may write to say how their coaching partner can reach them (the partner page)."""
