"""Apply: execute a plan on the platforms, recording every transition durably.

The engine (``engine.py``) runs each account's changes as a pipeline; ``publish.py`` starts,
sends, settles and records one post, and ``resume.py`` goes on with a recorded attempt, all
emitting events the CLI renders;
``run.py`` is one ``publisher apply`` (pre-flight, then the engine), handed its provenance
and connection by the command. May import every layer below it (``planning``,
``workspace``, ``media``, ``providers``, ``sandbox``, ``core``); never ``notify``,
``github`` or ``cli``.
"""
