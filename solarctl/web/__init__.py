"""The web page: a FastAPI app (app.py) served inside the daemon's event loop (server.py)."""
