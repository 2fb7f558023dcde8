"""The IMS endpoints, at Adobe's paths on the origin's root: OpenID configuration, the sign-in
page (`/ims/authorize/v2`), the token endpoint (`/ims/token/v3`: client_credentials,
authorization_code with PKCE S256, refresh_token), userinfo, revocation and the JWKS."""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from seg_mcp.sandbox.bodies import read_limited
from seg_mcp.sandbox.errors import ApiError, ims_error
from seg_mcp.sandbox.http import error_response
from seg_mcp.sandbox.ims.page import error_page, sign_in_page
from seg_mcp.sandbox.ims.tokens import SCOPES_SUPPORTED, Ims
from seg_mcp.sandbox.ims.users import Client

log = logging.getLogger("seg_mcp.sandbox.ims")
AUTHORIZE = "/ims/authorize/v2"
TOKEN = "/ims/token/v3"
USERINFO = "/ims/userinfo/v2"
REVOKE = "/ims/revoke"
KEYS = "/ims/keys"
# The authorization request's parameters the sign-in form carries through.
REQUEST_PARAMS = (
    "client_id",
    "redirect_uri",
    "scope",
    "response_type",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
)
CHALLENGE_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
MAX_FORM = 64 * 1024
NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}


async def _ims(request: Request) -> Ims:
    svc = request.app.state.service
    await svc.ensure_started()
    ims: Ims = svc.ims
    return ims


def _origin(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _form_too_large(message: str) -> ApiError:
    return ims_error(400, "invalid_request", f"the request body is too large: {message}")


async def _form(request: Request) -> dict[str, str]:
    """The form body merged over the query string (IMS takes either)."""
    raw = await read_limited(request, MAX_FORM, _form_too_large)
    form = dict(parse_qsl(raw.decode("utf-8", "replace")))
    return {**dict(request.query_params), **form}


def _guard(
    fn: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """IMS's JSON errors for ApiError; a 500 `server_error` (never a traceback) otherwise."""

    async def handle(request: Request) -> Response:
        try:
            return await fn(request)
        except ApiError as exc:
            response = error_response(exc)
        except Exception:
            log.exception("unexpected error in %s %s", request.method, request.url.path)
            response = JSONResponse(
                {
                    "error": "server_error",
                    "error_description": "the local IMS failed; see the sandbox log",
                },
                status_code=500,
            )
        response.headers.update(NO_STORE)
        return response

    handle.__name__ = fn.__name__
    handle.__doc__ = fn.__doc__
    return handle


# -- discovery ------------------------------------------------------------------------------------


@_guard
async def openid_configuration(request: Request) -> Response:
    """`GET /ims/.well-known/openid-configuration`."""
    origin = _origin(request)
    return JSONResponse(
        {
            "issuer": origin,
            "authorization_endpoint": origin + AUTHORIZE,
            "token_endpoint": origin + TOKEN,
            "userinfo_endpoint": origin + USERINFO,
            "revocation_endpoint": origin + REVOKE,
            "jwks_uri": origin + KEYS,
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "revocation_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "scopes_supported": SCOPES_SUPPORTED,
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": [
                "sub",
                "email",
                "email_verified",
                "name",
                "given_name",
                "family_name",
                "account_type",
            ],
        }
    )


@_guard
async def jwks(request: Request) -> Response:
    """`GET /ims/keys`: the public key that signs every token."""
    return JSONResponse((await _ims(request)).signer.jwks())


# -- sign-in ------------------------------------------------------------------------------------


def _redirect(redirect_uri: str, params: dict[str, str]) -> RedirectResponse:
    parts = urlsplit(redirect_uri)
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    location = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
    return RedirectResponse(location, status_code=302, headers=NO_STORE)


def _redirect_error(params: dict[str, str], error: str, description: str) -> Response:
    answer = {"error": error, "error_description": description}
    if params.get("state"):
        answer["state"] = params["state"]
    return _redirect(params["redirect_uri"], answer)


def _check_request(ims: Ims, params: dict[str, str]) -> Client | Response:
    """The client of a valid authorization request, or the page/redirect refusing it."""
    client_id = params.get("client_id", "")
    client = ims.directory.client(client_id) if client_id else None
    if client is None:
        detail = (
            f"No application with client_id {client_id!r} is registered with this IMS."
            if client_id
            else "The request has no client_id parameter."
        )
        return error_page("Unknown application", detail)
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri or not client.allows_redirect(redirect_uri):
        detail = (
            f"The redirect_uri {redirect_uri!r} is not one the application {client_id} may use "
            "(allowed: http://127.0.0.1:<port>/…, http://localhost:<port>/… and the client's "
            "configured patterns)."
            if redirect_uri
            else "The request has no redirect_uri parameter."
        )
        return error_page("Redirect URI not allowed", detail)
    if params.get("response_type") != "code":
        return _redirect_error(params, "unsupported_response_type", "response_type must be code")
    if not params.get("code_challenge"):
        return _redirect_error(
            params, "invalid_request", "code_challenge is required (PKCE with S256)"
        )
    if params.get("code_challenge_method") != "S256":
        return _redirect_error(
            params, "invalid_request", "code_challenge_method must be S256 (PKCE)"
        )
    if not CHALLENGE_RE.match(params["code_challenge"]):
        return _redirect_error(
            params,
            "invalid_request",
            "code_challenge must be the 43-character base64url SHA-256 of the code verifier",
        )
    return client


def _carried(params: dict[str, str]) -> dict[str, str]:
    return {k: params[k] for k in REQUEST_PARAMS if params.get(k)}


async def authorize(request: Request) -> Response:
    """`GET /ims/authorize/v2`: the sign-in page; `POST`: check the credentials, redirect back
    with a code."""
    try:
        ims = await _ims(request)
        params = await _form(request) if request.method == "POST" else dict(request.query_params)
    except ApiError as exc:
        return error_page("Bad request", str(exc.body.get("error_description", "")))
    checked = _check_request(ims, params)
    if isinstance(checked, Response):
        return checked
    client = checked
    carried = _carried(params)
    if request.method == "GET":
        return sign_in_page(carried, client_id=client.client_id)
    username = params.get("username", "")
    user = ims.directory.sign_in(username, params.get("password", ""))
    if user is None:
        return sign_in_page(
            carried,
            client_id=client.client_id,
            username=username,
            error="The user name or password is incorrect. Try again.",
            status=401,
        )
    code = await ims.issue_code(
        client,
        params["redirect_uri"],
        params["code_challenge"],
        user,
        params.get("scope", ""),
        params.get("nonce", ""),
    )
    answer = {"code": code}
    if params.get("state"):
        answer["state"] = params["state"]
    log.info("signed in %s for client %s", user.name, client.client_id)
    return _redirect(params["redirect_uri"], answer)


# -- token, revoke, userinfo --------------------------------------------------------------------


def _client_auth(request: Request, params: dict[str, str]) -> tuple[str | None, str | None]:
    """(client_id, secret) from HTTP Basic (client_secret_basic) or the form (post / none)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return params.get("client_id"), params.get("client_secret")
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ims_error(401, "invalid_client", "malformed Basic authorization header") from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise ims_error(401, "invalid_client", "malformed Basic authorization header")
    client_id, secret = unquote(client_id), unquote(secret)
    if params.get("client_id") not in (None, client_id):
        raise ims_error(400, "invalid_request", "client_id differs from the Basic credentials")
    return client_id, secret


def _required(params: dict[str, str], *names: str) -> list[str]:
    for name in names:
        if not params.get(name):
            raise ims_error(400, "invalid_request", f"{name} parameter is missing")
    return [params[n] for n in names]


@_guard
async def token(request: Request) -> Response:
    """`POST /ims/token/v3` (form body, or query parameters)."""
    ims = await _ims(request)
    params = await _form(request)
    grant = params.get("grant_type")
    if not grant:
        raise ims_error(400, "invalid_request", "grant_type parameter is missing")
    if grant not in ("client_credentials", "authorization_code", "refresh_token"):
        raise ims_error(400, "unsupported_grant_type", f"unsupported grant_type {grant!r}")
    client = ims.authenticate(*_client_auth(request, params))
    if grant == "client_credentials":
        body = ims.client_credentials(client, params.get("scope"))
    elif grant == "authorization_code":
        code, redirect_uri = _required(params, "code", "redirect_uri")
        if not params.get("code_verifier"):
            raise ims_error(
                400, "invalid_request", "code_verifier parameter is missing (PKCE is required)"
            )
        body = await ims.exchange_code(
            client, code, redirect_uri, params["code_verifier"], _origin(request)
        )
    else:
        (refresh,) = _required(params, "refresh_token")
        body = await ims.refresh(client, refresh, _origin(request))
    return JSONResponse(body, headers=NO_STORE)


@_guard
async def revoke(request: Request) -> Response:
    """`POST /ims/revoke`: a user token ends its whole sign-in session."""
    ims = await _ims(request)
    params = await _form(request)
    client = ims.authenticate(*_client_auth(request, params))
    (value,) = _required(params, "token")
    await ims.revoke(client, value)
    return Response(status_code=200, headers=NO_STORE)


@_guard
async def userinfo(request: Request) -> Response:
    """`GET /ims/userinfo/v2` with a user's access token."""
    ims = await _ims(request)
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    claims = ims.verify(value.strip()) if scheme.lower() == "bearer" else None
    info = ims.userinfo(claims) if claims is not None else None
    if info is None:
        return JSONResponse(
            {"error": "invalid_token"},
            status_code=401,
            headers={
                "www-authenticate": 'Bearer error="invalid_token", error_description="a valid '
                'user access token is required (signed in, not expired, not revoked)"'
            },
        )
    return JSONResponse(info)


ROUTES: list[Route] = [
    Route("/ims/.well-known/openid-configuration", openid_configuration, methods=["GET"]),
    Route(AUTHORIZE, authorize, methods=["GET", "POST"]),
    Route(TOKEN, token, methods=["POST"]),
    Route(USERINFO, userinfo, methods=["GET", "POST"]),
    Route(REVOKE, revoke, methods=["POST"]),
    Route(KEYS, jwks, methods=["GET"]),
]
