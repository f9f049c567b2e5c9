"""Privacy-compliance analytics for a California medical spa."""

__version__ = "0.1.0"
