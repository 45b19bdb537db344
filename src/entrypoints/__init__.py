"""The ways in: http/ (Litestar), cli/, and the container that wires adapters to ports."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("portico")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
