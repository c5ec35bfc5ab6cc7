"""The package's version: the one in ``pyproject.toml``, as installed."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cxsim")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
