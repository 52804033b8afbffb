"""python -m isms.cli: the same as the isms command."""

from isms.cli import run

run()
