"""Who is signed in: single sign-on when configured, else an access code's grant, else a viewer."""

from __future__ import annotations

import logging

import streamlit as st

from .. import auth
from ..auth import Principal
from ..errors import IcsdashError
from .context import Context
from .data import place_name
from .messages import escape_markdown, show_error
from .presenting import person
from .state import PRINCIPAL_KEY

LOG = logging.getLogger("icsdash")


def sso_configured() -> bool:
    """Single sign-on is on when .streamlit/secrets.toml has an [auth] section."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all
        return False


def principal(ctx: Context) -> Principal:
    """The signed-in user: single sign-on first, else an access code's grant, else a viewer."""
    if sso_configured():
        try:
            if st.user.is_logged_in:
                return auth.principal_for_email(st.user.get("email"), ctx.config.auth_users, st.user.get("name"))
        except Exception:  # noqa: BLE001 - SSO misconfigured: stay anonymous, the page says so
            LOG.exception("Single sign-on is configured but the user could not be read")
    return st.session_state.get(PRINCIPAL_KEY, auth.ANONYMOUS)


def client_key() -> str:
    """Who is knocking, for throttling wrong access codes (see :func:`icsdash.auth.client_key`)."""
    try:
        address, headers = st.context.ip_address, st.context.headers
    except Exception:  # noqa: BLE001 - no request context (tests, scripts)
        address, headers = None, {}
    return auth.client_key(address if isinstance(address, str) else None, headers or {})


def _sign_in(ctx: Context) -> None:
    code = st.session_state.get("access_code", "")
    try:
        st.session_state[PRINCIPAL_KEY] = ctx.store.sign_in(code, client_key(), ctx.config.max_failed_attempts,
                                                             ctx.config.lockout_minutes)
        st.session_state.pop("sign_in_error", None)
    except IcsdashError as error:
        st.session_state["sign_in_error"] = error
    except Exception:  # noqa: BLE001 - e.g. the database is down: say so, never a traceback
        LOG.exception("Sign-in failed unexpectedly")
        st.session_state["sign_in_error"] = IcsdashError(
            "signing in failed because the server could not check the code (is the database running?); "
            "try again in a minute", source="sign-in")
    st.session_state["access_code"] = ""          # never keep a code in the session


def _sign_out() -> None:
    for key in [k for k in st.session_state if k.startswith(("_icsdash_principal", "assessment_", "sign_in"))]:
        del st.session_state[key]


def sign_in_panel(ctx: Context, who: Principal) -> Principal:
    """The sidebar's sign-in box (access code, or single sign-on when configured), or who is signed in."""
    with st.sidebar:
        if who.signed_in:
            place = place_name(ctx, who.place_code) if who.place_code else ""
            st.caption(f":material/person: Signed in as **{escape_markdown(person(ctx, who.name))}**  \n"
                       f"{who.role_spec.label}{' for ' + escape_markdown(place) if place else ''}")
            if who.via == "sso":
                st.button("Sign out", on_click=st.logout, icon=":material/logout:")
            else:
                st.button("Sign out", on_click=_sign_out, icon=":material/logout:")
            return who
        with st.expander("Sign in", icon=":material/login:",
                         expanded="sign_in_error" in st.session_state):
            st.text_input("Access code", type="password", key="access_code", on_change=_sign_in, args=(ctx,),
                          help="The code your ICS administrator gave you; press Enter to sign in.")
            st.button("Sign in", on_click=_sign_in, args=(ctx,))
            if "sign_in_error" in st.session_state:
                show_error(st.session_state["sign_in_error"])
            if sso_configured():
                st.button("Sign in with single sign-on", on_click=st.login, icon=":material/key:")
    return who
