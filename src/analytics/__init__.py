"""Privacy-compliance analytics for a California medical spa.

The import package is ``analytics``; it is distributed as ``medspa-compliance-analytics``
(the name ``analytics`` on PyPI belongs to an unrelated project). The version is the
distribution's, as ``pyproject.toml`` sets it: this is the one place it is read.
"""

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "medspa-compliance-analytics"

try:
    __version__ = version(DISTRIBUTION)
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"
