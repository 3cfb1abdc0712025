"""gitops-publisher: social video posts declared in git, planned and published exactly once."""

__version__ = "0.1.0"
