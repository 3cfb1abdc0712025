"""The content repository on disk: config, manifests, state, git.

YAML with positions, the project's manifests and config, state files and stores (file, git
branch, shards, and the sealing of upload sessions by writes outside apply), locks, content
ids, the encrypted token write-back on the state branch.

The edge that reads and writes files and git for the core. May import ``core``, ``media``,
``providers`` (token stores, the session sealer), ``errors``, ``oslocks``; nothing above
(``planning``, ``apply``, ``github``, ``cli``).
"""
