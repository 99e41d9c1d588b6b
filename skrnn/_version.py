"""The package version (read by pyproject.toml and stored in saved models)."""

__version__ = "0.1.0"
