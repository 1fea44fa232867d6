"""The auth service: accounts, password login, and the keys that sign access tokens.

Layout and layers: docs/service-conventions.md.
"""
