"""The console scripts' entry points. They import the CLI (typer, pydantic and the settings: a few tenths of a
second) inside the Ctrl-C handling, so an interrupt that lands during start-up says one line, not a traceback."""

from __future__ import annotations

import sys


def _start(name: str) -> None:
    try:
        from . import cli
    except KeyboardInterrupt:
        sys.stderr.write("interrupted; the last good index is kept\n")
        sys.exit(130)
    getattr(cli, name)()


def main() -> None:
    _start("main")


def ask_main() -> None:
    _start("ask_main")
