"""The IMS's HTML: the sign-in page (a plain form: no JavaScript, no external resources, every
value escaped) and the error page shown when a request cannot be redirected back to its client."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from starlette.responses import HTMLResponse

# Inline styles only; nothing loads from elsewhere, no script runs, no one may frame the page.
# (No `form-action`: browsers apply it to the redirect that follows the form's POST.)
HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}

_STYLE = """
body { font-family: system-ui, sans-serif; background: #f5f5f5; margin: 0; }
main { max-width: 22rem; margin: 4rem auto; background: #fff; padding: 2rem;
       border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.15); }
h1 { font-size: 1.3rem; margin-top: 0; }
label { display: block; margin: 1rem 0 .25rem; }
input[type=text], input[type=password] { width: 100%; box-sizing: border-box; padding: .5rem; }
button { margin-top: 1.5rem; width: 100%; padding: .6rem; background: #1473e6; color: #fff;
         border: 0; border-radius: 4px; font-size: 1rem; }
.error { color: #b00020; background: #fdecee; padding: .6rem; border-radius: 4px; }
.note { color: #555; font-size: .85rem; }
"""


def _document(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def sign_in_page(
    params: Mapping[str, str],
    *,
    client_id: str,
    username: str = "",
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    """The sign-in form; `params` (the authorization request) ride along as hidden inputs."""
    hidden = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in params.items()
    )
    message = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = (
        "<h1>Sign in to the seg-mcp local IMS</h1>"
        f'<p class="note">Application: <code>{escape(client_id)}</code></p>'
        f"{message}"
        '<form method="post" action="/ims/authorize/v2">'
        f"{hidden}"
        '<label for="username">User name</label>'
        '<input type="text" id="username" name="username" autocomplete="username" required '
        f'value="{escape(username)}">'
        '<label for="password">Password</label>'
        '<input type="password" id="password" name="password" '
        'autocomplete="current-password" required>'
        '<button type="submit" id="sign-in">Sign in</button>'
        "</form>"
        '<p class="note">A local test identity service: the users are listed by '
        "<code>seg-mcp sandbox serve</code>.</p>"
    )
    return HTMLResponse(_document("Sign in", body), status_code=status, headers=HEADERS)


def error_page(title: str, detail: str, status: int = 400) -> HTMLResponse:
    """An authorization request that cannot go back to its client (unknown client, redirect URI
    not allowed): shown here, never redirected."""
    body = (
        f"<h1>{escape(title)}</h1>"
        f'<p class="error" role="alert">{escape(detail)}</p>'
        '<p class="note">Nothing was sent to the application. Check the client id and the '
        "redirect URI it registered, then start the sign-in again.</p>"
    )
    return HTMLResponse(_document(title, body), status_code=status, headers=HEADERS)
