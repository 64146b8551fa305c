"""Clients of a remote Mantis: ``RemoteComputer`` speaks the ``/computer`` wire."""
