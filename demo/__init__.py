"""The demo: a news site on http://localhost:8000 with Parley embedded from http://127.0.0.1:5000.

The two run on different sites (localhost and 127.0.0.1), so the widget must
work the way it will on a real news site: cross-origin, no third-party cookies.
"""
