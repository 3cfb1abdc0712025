"""Renderers: turn core values (plans, results) into text, Markdown or JSON.

Part of ``cli`` (only the commands and the Action, through ``github.action.Cli``, use them);
they import the values they render (``core``, ``apply.events``) and ``escape``, and print
nothing themselves.
"""
