"""Apply: execute a plan on the platforms, recording every transition durably.

The engine (``engine.py``) publishes, settles and records, emitting events the CLI renders;
``run.py`` is one ``publisher apply`` (pre-flight, then the engine), handed its provenance
and connection by the command. May import every layer below it (``planning``,
``workspace``, ``media``, ``providers``, ``sandbox``, ``core``); never ``notify``,
``github`` or ``cli``.
"""
