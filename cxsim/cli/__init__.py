"""The command line: every argparse line of cxsim (``cxsim --help``)."""

from cxsim.cli.main import main

__all__ = ["main"]
