"""The GitHub Action's glue: event reading, outputs and step summary, the sticky PR comment.

``publisher github`` (``cli/github_cmd.py``) is the Action's entrypoint; ``action.yml`` maps
each input to an ``INPUT_*`` variable and each output to a line of ``$GITHUB_OUTPUT``.
"""
