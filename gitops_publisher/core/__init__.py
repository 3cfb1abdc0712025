"""The pure core: models, addresses, fingerprints, the state model, plans and the planner.

Values and functions over values, no I/O: no file, no network, no clock (``now`` is passed
in), no terminal. ``core/ports.py`` is what the engine and the planner need from a platform,
in domain terms; the platforms implement it in ``providers/``.

May import: ``core`` itself, ``errors`` and ``escape``, the standard library and pydantic
(plus jsonschema for ``schema_check.py``). import-linter's ``pure-core`` contract (in
``pyproject.toml``) refuses anything else; ``core-acyclic`` refuses cycles between its modules.
"""
