"""The ``publisher`` command: one click module per command, renderers in ``views/``.

Commands are thin: parse options, call one function of the layers below, hand the result to
a renderer, return an exit code. ``errors.py`` is the one place that turns exceptions into
messages and exit codes. The top layer: it may import every other package; only
``__main__`` imports it (``github/`` gets what it needs handed in, ``github.action.Cli``).
"""
