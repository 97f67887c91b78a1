"""The live vote in the browser: the facilitator's controls and projector, and a participant's phone.

The store does the work (:mod:`icsdash.store.live`); the numbers come from :mod:`icsdash.views.live`. Every
action runs as a callback and keeps its error for the page to show: nothing is half done, never a traceback.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from .. import auth, consensus, live_board, live_vote
from ..assessments import CONSENSUS_GROUP, STAKEHOLDER_GROUPS
from ..auth import AccessDenied, Principal
from ..live_vote import CANNOT_SAY, LiveSession
from ..views import live as live_view
from .context import Context
from .data import place_name, stored_view
from .messages import escape_markdown
from .render import chart, qr_image, scaled, table
from .forms import guarded, outcome
from .signin import client_key
from .state import presenting, stage

LOG = logging.getLogger(__name__)
ERROR = "live_error"
NOTICE = "live_notice"
VOTER = "voter"                 # the query parameter holding a phone's secret: it survives a restart
PROJECTOR_REFRESH = 2.0         # seconds between the projector's looks at the database (round, count)
COUNT_POLL_MS = 250             # milliseconds between the projector browser's fetches of the count file
PHONE_REFRESH = 2.0             # seconds between a phone's redraws of its ballot (it follows the facilitator)


def _guarded(action, *args) -> None:
    """Run a live-vote action (a callback); keep its error for the page (:func:`messages`)."""
    guarded(ERROR, "A live-vote action", action, *args)


def messages() -> None:
    """The outcome of the last action: an error, or a notice shown once."""
    outcome(ERROR, NOTICE)


def may_facilitate(who: Principal, place_code: str) -> bool:
    return auth.can_write_place(who, place_code) or who.role_spec.admin


# --------------------------------------------------------------------------- the facilitator


def start_panel(ctx: Context, who: Principal, place_code: str, round_label: str) -> None:
    """No vote is running for the place and round: start one (or say who may)."""
    name = escape_markdown(place_name(ctx, place_code))
    if not may_facilitate(who, place_code):
        st.info(f"No live vote is running for {name} in round {escape_markdown(round_label)}. Its place director "
                "or an administrator starts one: sign in with that access code in the sidebar.",
                icon=":material/lock:")
        return
    st.markdown(f"Start a live vote for **{name}**, round **{escape_markdown(round_label)}**. Participants join "
                "from their phones with a code shown here: no account, no name.")
    st.button("Start a live vote", type="primary", icon=":material/how_to_vote:", key="live_start",
              on_click=_guarded, args=(lambda: ctx.store.start_live_vote(who, place_code, round_label,
                                                                          ctx.framework),))


def running_notice(ctx: Context, place_code: str, round_label: str) -> None:
    """A vote is running, seen by someone who may not run it: where to join, never the join code itself (it is
    for the people in the room, who read it off the projector)."""
    st.info(f"A live vote is running for {escape_markdown(place_name(ctx, place_code))} in round "
            f"{escape_markdown(round_label)}. To vote, use the join code shown on the projector in the room, on "
            "the Vote page or by scanning its QR code. Its place director or an administrator shows the code here "
            "after signing in.", icon=":material/how_to_vote:")


def join_panel(session: LiveSession) -> None:
    """The join code, large, with the QR code of the join address and the address itself."""
    url = consensus.page_url(st.context.url or "http://localhost:8501/live", "vote", join=session.join_code)
    code_col, qr_col = st.columns([3, 2], vertical_alignment="center")
    with code_col:
        st.markdown(f"Join at **{escape_markdown(url.split('?')[0])}** with the code")
        spaced = " ".join(session.join_code)
        st.markdown(f"<p style='font-size:{scaled(64)}px;font-weight:700;letter-spacing:0.1em;margin:0'"
                    f" aria-label='Join code {spaced}'>{session.join_code}</p>", unsafe_allow_html=True)
        st.caption("Or scan the code. No account and no name: choose a stakeholder group if you wish.")
        if consensus.only_on_this_computer(url):
            st.warning("This address works only on this computer. For phones, start the app with "
                       "`--server.address 0.0.0.0` and open this page by the computer's network address (see "
                       "'Running a live workshop' in the README).", icon=":material/wifi_off:")
    qr_col.image(qr_image(url), width=scaled(220), caption="Scan to join the vote",
                alt=f"QR code that opens {url}")


def _board(session_id: int) -> str:
    """The name of the session's count file (:mod:`icsdash.live_board`), from the server's cookie secret."""
    return live_board.board_name(str(st.config.get_option("server.cookieSecret")), session_id)


def publish_count(ctx: Context, session_id: int) -> live_board.Tally | None:
    """Write the session's count to its file for the projector; None (logged) when the folder is not writable,
    and the projector then counts at its own looks at the database, every PROJECTOR_REFRESH seconds."""
    try:
        return live_board.publish(ctx.static_dir, _board(session_id), lambda: ctx.store.live_counts(session_id))
    except OSError as error:
        LOG.warning("live vote %s: cannot write the projector's count file: %s", session_id, error)
        return None


def _count_html(tally: live_board.Tally, board: str) -> str:
    """The count as the projector shows it, with the script that fetches the count file every COUNT_POLL_MS and
    shows it when it is newer than the page's own look. A status region: a screen reader says a new count."""
    label, value = (("Joined", f"{tally.joined}") if tally.round is None
                    else ("Voted", f"{tally.voted} of {tally.joined}"))
    data = json.dumps(asdict(tally))
    return f"""<div id="live-count-{board}" class="live-count" role="status" aria-atomic="true"
  data-tally='{data}' data-board="{live_board.board_url(board)}">
<p class="live-count-label" style="font-size:{scaled(14)}px;margin:0">{label}</p>
<p class="live-count-value" style="font-size:{scaled(36)}px;line-height:1.2;margin:0">{value}</p>
</div>
<script>
(() => {{
  const box = document.getElementById("live-count-{board}");
  const timers = window.icsdashCountTimers || (window.icsdashCountTimers = {{}});
  clearTimeout(timers["{board}"]);
  if (!box) return;
  let shown = JSON.parse(box.dataset.tally);
  const url = new URL(box.dataset.board, document.baseURI);
  const look = async () => {{
    if (!box.isConnected) return;
    try {{
      const answer = await fetch(`${{url}}?t=${{Date.now()}}`, {{cache: "no-store"}});
      const tally = answer.ok ? await answer.json() : null;
      if (tally && tally.at > shown.at) {{
        shown = tally;
        const open = tally.round !== null;
        box.querySelector(".live-count-label").textContent = open ? "Voted" : "Joined";
        box.querySelector(".live-count-value").textContent = open ? `${{tally.voted}} of ${{tally.joined}}`
                                                                  : `${{tally.joined}}`;
      }}
    }} catch (error) {{}}
    timers["{board}"] = setTimeout(look, {COUNT_POLL_MS});
  }};
  timers["{board}"] = setTimeout(look, {COUNT_POLL_MS});
}})();
</script>"""


def live_count(ctx: Context, drawn: LiveSession) -> None:
    """How many have voted of how many joined, live. The page looks at the database every PROJECTOR_REFRESH
    seconds (a fragment, so the facilitator's controls are never disturbed); in between, the browser fetches the
    count file that every join and vote writes (:mod:`icsdash.live_board`), so a vote shows within a fraction of
    a second however busy the server's script runs are. The votes themselves stay hidden until voting closes.

    When the vote has moved on since the page was drawn (a round opened or closed, the vote ended: from another
    tab or device, say a facilitator's laptop beside the projector's window), the whole page is drawn again."""
    def show() -> None:
        try:
            now = ctx.store.live_session(drawn.id)
            if now.ended or now.rounds != drawn.rounds:
                st.rerun(scope="app")
            began = time.time()
            tally = publish_count(ctx, drawn.id) or live_board.Tally(*ctx.store.live_counts(drawn.id), at=began)
        except SQLAlchemyError:
            st.warning("Cannot reach the database; trying again.", icon=":material/cloud_off:")
            return
        c1, c2 = st.columns(2)
        with c1:
            st.html(_count_html(tally, _board(drawn.id)), unsafe_allow_javascript=True)
        if now.open_round is not None:
            names = ", ".join(ctx.framework.dimension(d).short for d in now.open_round.dimension_ids)
            c2.markdown(f"**Round {now.open_round.number} is open** on {escape_markdown(names)}. The votes are "
                        "hidden until voting closes, so that nobody anchors on them.")
    st.fragment(show, run_every=PROJECTOR_REFRESH)()


def _open_round(ctx: Context, who: Principal, session_id: int) -> None:
    ctx.store.open_live_round(who, session_id, st.session_state.get("live_dimensions") or [], ctx.framework)


def round_controls(ctx: Context, who: Principal, session: LiveSession, shown: live_view.LiveResults) -> None:
    """Open voting on chosen dimensions (after a round, the split ones are proposed), or close it."""
    fw = ctx.framework
    if session.open_round is not None:
        st.button("Close voting and show the results", type="primary", icon=":material/lock:", key="live_close",
                  on_click=_guarded, args=(lambda: ctx.store.close_live_round(who, session.id),))
        return
    split = [d for d, r in shown.latest.items() if r.agreement == fw.agreement.split_label]
    proposed = split or ([] if shown.latest else fw.dimension_ids)
    st.multiselect("Dimensions to vote on", fw.dimension_ids, default=proposed, key="live_dimensions",
                   format_func=lambda d: fw.dimension(d).name, placeholder="Choose one or more dimensions",
                   help="After a round, the dimensions where the panel split are proposed for a re-vote: "
                        "participants see the previous round's votes first.")
    st.button(f"Open round {len(session.rounds) + 1}", type="primary", icon=":material/how_to_vote:",
              key="live_open", on_click=_guarded, args=(_open_round, ctx, who, session.id))


def _draft(ctx: Context, who: Principal, place_code: str, round_label: str, shown: live_view.LiveResults,
           facilitator: str) -> int | None:
    """The consensus draft a place director starts from a vote: each dimension's last round's median as the score
    (rounded by the framework's rule) and that round's figures as the justification. None for anyone else, or
    when no round was scored."""
    if not (auth.can_write_place(who, place_code) and shown.latest):
        return None
    fw, store = ctx.framework, ctx.store
    draft = store.start(who, place_code, round_label, CONSENSUS_GROUP, facilitator or who.name, fw, kind="consensus")
    scores = {d: live_vote.proposed_score(r, fw) for d, r in shown.latest.items() if r.median is not None}
    store.save_draft(who, draft.id, fw, scores, {d: shown.hints[d] for d in scores}, ctx.config.max_justification)
    return draft.id


def _end(ctx: Context, who: Principal, session: LiveSession, shown: live_view.LiveResults) -> None:
    """End the vote; a place director's consensus draft starts from the last round's medians."""
    draft_id = _draft(ctx, who, session.place_code, session.round_label, shown,
                      st.session_state.get("live_facilitator", ""))
    ctx.store.end_live_vote(who, session.id, draft_id)
    live_board.retire(ctx.static_dir, _board(session.id))
    st.session_state[NOTICE] = (
        "The live vote has ended; its rounds are kept. " + (
            "The consensus draft on the Consensus workshop page starts from the last round's medians: confirm or "
            "change each score and its justification there, then submit." if draft_id else
            "The place director starts the consensus from these results on the Consensus workshop page "
            "('Record the consensus from the live vote')."))


def _draft_after(ctx: Context, who: Principal, session: LiveSession, shown: live_view.LiveResults) -> None:
    draft_id = _draft(ctx, who, session.place_code, session.round_label, shown,
                      st.session_state.get("live_consensus_facilitator", ""))
    if draft_id is not None:
        ctx.store.link_live_consensus(who, session.id, draft_id)


def awaits_consensus(who: Principal, session: LiveSession | None, shown: live_view.LiveResults | None) -> bool:
    """Whether the place and round's newest live vote ended with scored rounds but no consensus drafted from it
    (an administrator ran it), and ``who`` is the place director who may draft it now."""
    return (session is not None and session.ended and session.consensus_id is None and shown is not None
            and bool(shown.latest) and auth.can_write_place(who, session.place_code))


def consensus_from_vote(ctx: Context, who: Principal, session: LiveSession, shown: live_view.LiveResults) -> None:
    """For the Consensus workshop page (see :func:`awaits_consensus`): the place director starts the consensus
    draft from the vote's last rounds, as ending the vote would have done for them."""
    messages()
    with st.form("live_consensus_form", border=True):
        st.markdown("**Record the consensus from the live vote**")
        st.text_input("Facilitator (name or role)", value=who.name[:80], max_chars=80,
                      key="live_consensus_facilitator",
                      help="Kept in the assessment's history; this page shows no names.")
        st.caption(f"The live vote started by {escape_markdown(session.started_by[:80])} closed "
                   f"{shown.rounds_closed} round(s) and ended without a consensus draft. The draft starts from each "
                   "dimension's last round: its median as the score and its figures as the justification, for you "
                   "to confirm or change.")
        st.form_submit_button("Start from the live vote", type="primary", icon=":material/how_to_vote:",
                              key="live_consensus_start",
                              on_click=_guarded, args=(_draft_after, ctx, who, session, shown))


def end_controls(ctx: Context, who: Principal, session: LiveSession, shown: live_view.LiveResults) -> None:
    with st.form("live_end"):
        st.markdown("**End the vote**")
        if auth.can_write_place(who, session.place_code):
            st.text_input("Facilitator (name or role, kept in the consensus' history)", value=who.name[:80],
                          max_chars=80, key="live_facilitator")
        st.caption("Ending closes any open round and retires the join code. "
                   + ("A consensus draft is made from each dimension's last round (median and agreement)."
                      if auth.can_write_place(who, session.place_code) else ""))
        st.form_submit_button("End the vote", icon=":material/stop_circle:", key="live_end_button",
                              on_click=_guarded, args=(_end, ctx, who, session, shown))


def results(ctx: Context, shown: live_view.LiveResults) -> None:
    """The closed rounds: the newest as bars per dimension, every round as a table."""
    if shown.chart is None:
        st.caption("Results appear here when voting closes.")
        return
    with stage():
        st.subheader(f"Round {shown.last_round}: results", anchor=False)
        chart(shown.chart, width="content", name="Live vote results")
        st.caption(shown.alt)
    table(shown.table, hide_index=True, width="stretch", name="Live vote rounds",
          column_config={"Median": st.column_config.NumberColumn(format="%.1f"),
                         "IQR": st.column_config.NumberColumn(format="%.2f")})
    st.caption(f"{shown.rounds_closed} round(s) closed. Median and interquartile range (IQR) leave out 'cannot "
               "say'. Agreement: fewer ratings than the framework allows outside a window of levels around the "
               "median; a split panel's level is 'Uncertain'.")


# --------------------------------------------------------------------------- a participant's phone


def _join(ctx: Context) -> None:
    state = st.session_state
    group = state.get("vote_group")
    token, session = ctx.store.join_live_vote(state.get("vote_code", ""), client_key(), group)
    publish_count(ctx, session.id)
    st.query_params.pop("join", None)
    st.query_params[VOTER] = token


def join_form(ctx: Context) -> None:
    """Join with the code on the screen (already filled in from a scanned link) and, if wished, a group."""
    wanted = live_vote.normal_join_code(st.query_params.get("join"))
    if wanted and not st.session_state.get("vote_code"):
        st.session_state["vote_code"] = wanted
    with st.form("vote_join"):
        st.text_input("Join code (on the screen)", max_chars=12, key="vote_code", placeholder="e.g. K7Q2XH")
        st.selectbox("Your stakeholder group (optional)", [None, *STAKEHOLDER_GROUPS], key="vote_group",
                     format_func=lambda g: "Prefer not to say" if g is None else STAKEHOLDER_GROUPS[g])
        st.form_submit_button("Join", type="primary", icon=":material/login:", key="vote_join_button",
                              on_click=_guarded, args=(_join, ctx), width="stretch")
    st.caption("Your votes are anonymous: no name is asked or kept, and nobody sees who voted what.")


def _cast(ctx: Context, token: str, session_id: int, round_id: int, dimension_id: str) -> None:
    choice = st.session_state.get(f"vote_{round_id}_{dimension_id}")
    ctx.store.cast_vote(token, dimension_id, None if choice == CANNOT_SAY else choice, ctx.framework)
    publish_count(ctx, session_id)


def ballot(ctx: Context, token: str) -> None:
    """The phone: the open round's dimensions with every level, the previous round's votes before a re-vote,
    and the participant's own votes.

    The ballot is a fragment that draws itself again every PHONE_REFRESH seconds, so a phone follows the
    facilitator (a round opens or closes, the vote ends) and always shows what the database holds. A vote is
    a run of the same fragment, never of the whole page: a whole-page run racing the fragment's timer could
    leave the phone showing an older page, without "Vote saved", although the vote was stored. Presenter
    mode draws it once."""
    if presenting():
        _ballot(ctx, token)
    else:
        st.fragment(_ballot, run_every=PHONE_REFRESH)(ctx, token)


def _ballot(ctx: Context, token: str) -> None:
    try:
        session = ctx.store.voter_session(token)
    except AccessDenied as error:                 # the vote ended or the secret is wrong: the join form says why
        st.session_state[ERROR] = error
        st.query_params.pop(VOTER, None)
        st.rerun(scope="app")
    except SQLAlchemyError:
        st.warning("Cannot reach the server's database; trying again. Your votes so far are kept.",
                   icon=":material/cloud_off:")
        return
    messages()
    if session.ended:
        st.success("This vote has ended. Thank you for taking part.", icon=":material/check_circle:")
        return
    current = session.open_round
    if current is None:
        st.info("Waiting for the facilitator to open voting… This page updates by itself.",
                icon=":material/hourglass_top:")
        return
    fw = ctx.framework
    shown = stored_view(live_view.results, ctx, session.id)
    mine = ctx.store.my_votes(token)
    st.caption(f"Round {current.number}: {len(mine)} of {len(current.dimension_ids)} voted. You can change a "
               "vote until voting closes.")
    levels = list(range(fw.scale_min, fw.scale_max + 1))
    for dim_id in current.dimension_ids:
        dim = fw.dimension(dim_id)
        key = f"vote_{current.id}_{dim_id}"
        options = [*levels, CANNOT_SAY]
        # The stored vote is the choice shown: back after a lost connection or a restart, it is still there.
        index = options.index(CANNOT_SAY if mine[dim_id] is None else mine[dim_id]) if dim_id in mine else None
        with st.container(border=True):
            st.header(dim.name, anchor=False)
            st.caption(dim.description)
            if dim_id in shown.feedback:
                st.markdown(f"**{shown.feedback[dim_id]}**")        # our own words and figures: no markup
                st.vega_lite_chart(shown.feedback_charts[dim_id], width="content")
            st.radio(f"Your score: {dim.name}", options, key=key, index=index,
                     captions=[dim.levels[i] for i in levels] + ["I do not know enough to score this."],
                     format_func=lambda v: f"Level {v}" if isinstance(v, int) else v,
                     on_change=_guarded, args=(_cast, ctx, token, session.id, current.id, dim_id))
            if dim_id in mine:
                saved = "cannot say" if mine[dim_id] is None else f"level {mine[dim_id]}"
                st.caption(f":material/check: Vote saved: {saved}")
