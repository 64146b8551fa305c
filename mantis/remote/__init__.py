"""Remote seams over HTTP: ``RemoteComputer`` (the ``/computer`` wire) and the typed API client."""
