"""The GitHub Action's glue: event reading, outputs and step summary, the sticky PR comment.

``publisher github`` (``cli/github_cmd.py``) is the Action's entrypoint; ``action.yml`` maps
each input to an ``INPUT_*`` variable and each output to a line of ``$GITHUB_OUTPUT``.

May import every layer below ``cli`` (``notify``, ``apply``, ``planning``, ``workspace``,
``providers``, ``core``...); ``cli`` only as handed in (``action.Cli``): the CLI imports
the Action, never the other way round.
"""
