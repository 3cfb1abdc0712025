"""Fixtures of the end-to-end suite: the secret scan around every test."""

from apply.harness import scan as scan
