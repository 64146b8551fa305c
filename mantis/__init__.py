"""Mantis: a self-hostable computer-use agent server."""

__version__ = "0.1.0"
