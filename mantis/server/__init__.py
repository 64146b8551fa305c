"""The HTTP server: one Litestar app built by ``create_app(settings)``."""

from mantis.server.app import create_app

__all__ = ["create_app"]
