"""Background training jobs: the server-side manager, the worker process and its guards."""
