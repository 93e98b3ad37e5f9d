"""WSGI and ASGI middlewares that protect an app with keyward."""

from .asgi import KeywardASGIMiddleware
from .core import Decision, decide, extract_key
from .wsgi import KeywardWSGIMiddleware

__all__ = [
    "KeywardASGIMiddleware",
    "KeywardWSGIMiddleware",
    "Decision",
    "decide",
    "extract_key",
]
