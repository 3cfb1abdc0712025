"""The content repository on disk: config, manifests, state, git.

YAML with positions, the project's manifests and config, state files and stores (file, git
branch, shards), locks, content ids, the encrypted token write-back on the state branch.

The edge that reads and writes files and git for the core. May import ``core``, ``media``,
``providers`` (token stores), ``errors``, ``oslocks``; nothing above (``planning``,
``apply``, ``github``, ``cli``).
"""
