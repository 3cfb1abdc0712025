"""Renderers: turn core values (plans, results) into text, Markdown or JSON."""
