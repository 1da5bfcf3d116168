"""`python -m newsdesk` runs the CLI."""

from newsdesk.cli import app

app()
