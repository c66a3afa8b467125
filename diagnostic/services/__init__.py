"""Services: the use cases, one module each.

A service takes the store (`storage.interface.Store`) and plain data, returns plain data, and raises
specific errors. No Flask: the web and the CLI call the same services.
"""
