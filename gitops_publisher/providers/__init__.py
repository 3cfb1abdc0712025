"""The platforms' clients and adapters: one folder per platform (``tiktok/``).

Each adapter implements the provider port (``core/ports.py``); payloads, chunk rules, stop
codes and retryable failure reasons stay in its folder, whose ``platform.py`` is its one
entry in ``registry.py`` (``provider:`` name -> platform). ``fake.py`` is the in-memory
provider unit tests script; ``errors.py`` the errors every adapter raises.

May import: ``core``, ``errors``, ``oslocks`` and third-party libraries; never ``sandbox/``
(the emulator), nor any layer above (``media``, ``workspace``, ``apply``, ``cli``...).
"""
