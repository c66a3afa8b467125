"""Engines: pure algorithms on plain data, each returning its result and why.

The menu ranking and its reasons, pairing, the expertise map, chart geometry, taking an erased teacher's
words out of text. No store, no Flask: a service feeds them from the store.
"""
