"""Security headers on every answer, in one place: what a browser may load, run and frame.

No page runs an inline script (data travels in `<script type="application/json">` blocks,
which are not run), so scripts come from this server only. Socket.IO's WebSocket is reached
through `connect-src 'self'`, which CSP Level 3 browsers (Chromium included) extend to ws:
and wss: on the same host. Spoken calls are plain audio files from this server; `blob:` and
`data:` stay allowed for media and images, which carry no script.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' data: blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

#: a year; sent only when the config says the centre is served over HTTPS
HSTS = "max-age=31536000"


def init_app(app: Flask, *, https: bool) -> None:
    """Add the headers to every response the app sends, errors included."""

    @app.after_request
    def secure_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if https:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
