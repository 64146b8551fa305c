"""Compatibility: the route list now lives in ``mantis.server.controllers``."""

from mantis.server.controllers import ROUTES

__all__ = ["ROUTES"]
