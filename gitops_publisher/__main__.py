"""``python -m gitops_publisher`` runs the CLI."""

from gitops_publisher.cli.main import main

main()
