"""python -m heartmonitor: the same as the heartmonitor command."""

from .cli import command

command()
