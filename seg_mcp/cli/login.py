"""`seg-mcp login`, `seg-mcp logout`, `seg-mcp auth status`: a person's own Adobe sign-in.

    seg-mcp login [--profile NAME] [--no-browser]    sign in through the browser (IMS, PKCE)
    seg-mcp auth status [--profile NAME]             who is signed in, org, sandboxes, expiry
    seg-mcp logout [--profile NAME]                  revoke at IMS and forget the sign-in

Once a profile is signed in, `seg-mcp serve` (stdio) and `seg-mcp api` act as that person.
Exit codes: 0 done; 1 not signed in, sign-in refused or no longer valid, IMS unreachable;
2 configuration or usage error. Progress goes to stderr, results to stdout; no token is printed.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

_EPILOG = """\
The profile names the credential: AEP_CLIENT_ID (an OAuth Web App credential with
AEP_CLIENT_SECRET, or a Native App one without), AEP_ORG_ID, AEP_IMS_URL, and AEP_AUTH=user;
or a profile with auth = "user" in SEG_MCP_CONFIG. The refresh token goes to the OS keyring, or
to a 0600 file where there is none (SEG_MCP_TOKEN_STORE=auto|keyring|file)."""


class _Usage(Exception):
    pass


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    login = subparsers.add_parser(
        "login",
        help="sign in to Adobe as yourself (browser, OAuth + PKCE)",
        description="Sign in to Adobe IMS as yourself; seg-mcp then acts with your permissions.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _login_args(login)
    logout = subparsers.add_parser(
        "logout",
        help="revoke your Adobe sign-in and forget it",
        description="Revoke the profile's sign-in at IMS and delete the stored refresh token.",
    )
    _logout_args(logout)
    auth = subparsers.add_parser(
        "auth", help="sign-in status (and login/logout)", description="Your Adobe sign-in."
    )
    sub = auth.add_subparsers(dest="auth_command", metavar="COMMAND", required=True)
    status = sub.add_parser("status", help="who is signed in, org, sandboxes, token expiry")
    status.add_argument("--profile", metavar="NAME", help="one profile (default: every one)")
    status.set_defaults(func=run_status)
    _login_args(sub.add_parser("login", help="same as seg-mcp login"))
    _logout_args(sub.add_parser("logout", help="same as seg-mcp logout"))


def _login_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", metavar="NAME", help="the profile to sign in for")
    parser.add_argument(
        "--no-browser", action="store_true", help="only print the URL (headless machine)"
    )
    parser.add_argument(
        "--timeout", type=float, default=300.0, metavar="SECONDS", help=argparse.SUPPRESS
    )
    parser.set_defaults(func=run_login)


def _logout_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", metavar="NAME", help="the profile to sign out of")
    parser.set_defaults(func=run_logout)


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _profiles(config: Any, wanted: str | None, *, only_users: bool) -> list[Any]:
    """The profile named `wanted`, or the one(s) a command means without --profile."""
    if config.kind == "local":
        raise _Usage(
            "no Adobe credential is configured, so there is nothing to sign in to: set "
            "AEP_IMS_URL, AEP_PLATFORM_URL (for a local sandbox, its URL), AEP_CLIENT_ID (an "
            "OAuth Web App or Native App credential), AEP_ORG_ID and AEP_AUTH=user, or add a "
            'profile with auth = "user" to SEG_MCP_CONFIG'
        )
    names = ", ".join(p.name for p in config.profiles)
    if wanted is not None:
        for profile in config.profiles:
            if profile.name == wanted:
                return [profile]
        raise _Usage(f"no profile {wanted!r} in {config.source}; profiles: {names}")
    users = [p for p in config.profiles if p.user is not None]
    if only_users:
        return users
    if len(config.profiles) == 1:
        return list(config.profiles)
    if len(users) == 1:
        return users
    raise _Usage(f"several profiles are configured: choose one with --profile ({names})")


def _open_browser(url: str) -> bool:
    """Open `url` in the system browser, unless there is no graphical session (a console
    browser would take over the terminal)."""
    import webbrowser

    if sys.platform.startswith("linux") and not any(
        os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")
    ):
        return False
    try:
        return webbrowser.open(url, new=2)
    except webbrowser.Error:
        return False


def _where(record: Any, store: Any) -> str:
    if record.store == "keyring":
        return "in the OS keyring"
    return f"in {store.path(record.profile)} (readable by you only; no OS keyring in use)"


def _errors() -> tuple[type[Exception], type[Exception]]:
    from seg_mcp.config import ConfigError
    from seg_mcp.signin import SignInError

    return ConfigError, SignInError


def run_login(args: argparse.Namespace) -> int:
    import anyio

    from seg_mcp.config import load_config, token_store
    from seg_mcp.signin import sign_in

    config_error, signin_error = _errors()
    try:
        config = load_config(require_sign_in=False)
        [profile] = _profiles(config, args.profile, only_users=False)
        store = token_store()
        opener = None if args.no_browser else _open_browser
        record = anyio.run(
            lambda: sign_in(
                profile.login_target(), store, say=_say, open_browser=opener, timeout=args.timeout
            )
        )
    except (_Usage, config_error) as exc:
        _say(f"error: {exc}")
        return 2
    except signin_error as exc:
        _say(f"error: {exc}")
        return 1
    sandboxes = ", ".join(record.sandboxes) if record.sandboxes is not None else "unknown"
    print(f"Signed in as {record.who} for profile {profile.name}.")
    print(f"  org: {profile.org_id or record.org_id or 'unknown'}; sandboxes: {sandboxes}")
    print(f"  refresh token: {_where(record, store)}")
    if profile.access_token is not None:
        print(
            "note: this profile also names a static access token (AEP_ACCESS_TOKEN or "
            "access_token_env), which wins over the sign-in: remove it to act as you"
        )
    else:
        print("seg-mcp serve and seg-mcp api now act as you; `seg-mcp logout` signs out.")
    return 0


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


def run_status(args: argparse.Namespace) -> int:
    import anyio

    from seg_mcp.config import load_config, token_store
    from seg_mcp.signin import inspect

    config_error, signin_error = _errors()
    try:
        config = load_config(require_sign_in=False)
        profiles = _profiles(config, args.profile, only_users=args.profile is None)
        store = token_store()
    except (_Usage, config_error) as exc:
        _say(f"error: {exc}")
        return 2
    if not profiles:
        _say("not signed in (no profile acts as a person): run `seg-mcp login`")
        return 1
    code = 0
    for profile in profiles:
        login = "seg-mcp login" + (
            "" if len(config.profiles) == 1 else f" --profile {profile.name}"
        )
        try:
            status = anyio.run(inspect, profile.login_target(), store)
        except signin_error as exc:
            print(f"profile {profile.name}: {exc}")
            code = 1
            continue
        if status is None:
            print(f"profile {profile.name}: not signed in: run `{login}`")
            code = 1
            continue
        record, info = status.record, status.userinfo
        name, email = info.get("name") or record.name, info.get("email") or record.email
        who = f"{name} <{email}>" if name and email else (email or name or record.user_id)
        print(f"profile {profile.name}: signed in as {who}")
        print(f"  user id: {info.get('sub') or record.user_id}")
        print(f"  org: {profile.org_id or record.org_id or 'unknown'}")
        if status.sandboxes is not None:
            print(f"  sandboxes: {', '.join(status.sandboxes) or '(none)'}")
            if record.sandboxes is not None and set(record.sandboxes) != set(status.sandboxes):
                print(
                    f"  note: at sign-in they were {', '.join(record.sandboxes) or '(none)'}; "
                    f"seg-mcp uses that list until you run `{login}` again (or list them in "
                    "the profile)"
                )
        else:
            print(f"  sandboxes: unknown ({status.sandboxes_error})")
        print(f"  credential: {record.client_id} at {record.ims_url}")
        print(
            f"  access token: valid for {_minutes(status.expires_in)}, renewed ahead of expiry "
            "from the refresh token"
        )
        print(f"  refresh token: {_where(record, store)}")
        print(f"  signed in at: {record.signed_in_at.isoformat()}")
    return code


def run_logout(args: argparse.Namespace) -> int:
    import anyio

    from seg_mcp.config import load_config, token_store
    from seg_mcp.signin import sign_out

    config_error, signin_error = _errors()
    target = None
    try:
        store = token_store()
        try:
            config = load_config(require_sign_in=False)
            [profile] = _profiles(config, args.profile, only_users=False)
            name, target = profile.name, profile.login_target()
        except (_Usage, config_error):
            if args.profile is None:
                raise
            name = args.profile  # the profile left the configuration: sign out all the same
        record, problem = anyio.run(lambda: sign_out(name, store, target=target))
    except (_Usage, config_error, signin_error) as exc:
        _say(f"error: {exc}")
        return 2
    if record is None and problem is None:
        _say(f"not signed in (profile {name}): nothing to sign out of")
        return 1
    if problem is not None:
        _say(f"warning: forgot the sign-in of profile {name} here, but IMS did not revoke it:")
        _say(f"  {problem}")
        _say("  the refresh token stays valid at IMS until it expires")
        return 1
    assert record is not None
    print(f"Signed out {record.who} (profile {name}): revoked at IMS and deleted here.")
    return 0
