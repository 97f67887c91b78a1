"""Live votes: sessions, participants, rounds and votes (see :mod:`icsdash.live_vote`).

The facilitator's acts (start, open a round, close it, end) are audited and move the data version like any
other write. A participant's join and votes are not: they carry no name, and the tables themselves are their
record (a vote's row is its own log: one per participant, round and dimension, updated in place). So thirty
phones voting at once never empty the servers' caches.

A vote is written in one transaction with the round's row locked for sharing (PostgreSQL), and closing a round
locks it for writing, so a vote either lands before the close or is refused: no vote is half-counted.
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd
from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .. import auth
from ..assessments import STAKEHOLDER_GROUPS
from ..auth import AccessDenied, Principal
from ..errors import IcsdashError, InvalidEntry
from ..framework import Framework
from ..live_vote import LiveRound, LiveSession, new_join_code, new_voter_token, normal_join_code
from .access import recent_failures
from .schema import live_participants, live_rounds, live_sessions, live_votes, rounds, sign_in_attempts, utc_now

SOURCE = "live vote"
JOIN_FAILURES = 10                   # wrong join codes from one client before joining pauses
JOIN_PAUSE_MINUTES = 10


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LiveVotes:
    """The live-vote part of :class:`~icsdash.store.Store`."""

    engine: Engine

    # ------------------------------------------------------------------ the facilitator

    @staticmethod
    def _facilitator(who: Principal, place_code: str) -> None:
        if not (auth.can_write_place(who, place_code) or who.role_spec.admin):
            raise AccessDenied(f"only {place_code}'s place director or an administrator runs a live vote for it; "
                               "sign in with that place's access code", source=SOURCE)

    def start_live_vote(self, who: Principal, place_code: str, round_label: str, framework: Framework) -> LiveSession:
        """The place and round's live vote, started now unless one is running (then that one: a facilitator who
        reloads the page, or whose server restarted, carries on)."""
        self._facilitator(who, place_code)
        running = self.active_live_vote(place_code, round_label)
        if running is not None:
            return running
        with self.engine.begin() as conn:
            round_id = conn.execute(select(rounds.c.id).where(rounds.c.label == round_label)).scalar_one_or_none()
            if round_id is None:
                raise InvalidEntry({"round": f"there is no round called {round_label!r}"}, source=SOURCE)
        for _ in range(5):                                      # a clash of random codes is rare; try another
            try:
                with self.engine.begin() as conn:
                    new_id = conn.execute(insert(live_sessions).values(
                        place_code=place_code, round_id=round_id, framework_id=framework.id,
                        join_code=new_join_code(), started_by=who.name, started_at=utc_now())
                        .returning(live_sessions.c.id)).scalar_one()
                    self._audit(conn, who.name, "start_live_vote", place_code=place_code, round=round_label,
                                session=new_id)
                return self.live_session(new_id)
            except IntegrityError:
                continue
        raise IcsdashError("could not make a join code that is not in use; try again", source=SOURCE)

    def _session_row(self, conn, session_id: int):
        row = conn.execute(select(live_sessions, rounds.c.label.label("round_label"))
                           .join(rounds, rounds.c.id == live_sessions.c.round_id)
                           .where(live_sessions.c.id == session_id)).first()
        if row is None:
            raise IcsdashError(f"there is no live vote {session_id}", source=SOURCE)
        return row

    def live_session(self, session_id: int) -> LiveSession:
        with self.engine.connect() as conn:
            row = self._session_row(conn, session_id)
            held = conn.execute(select(live_rounds).where(live_rounds.c.session_id == session_id)
                                .order_by(live_rounds.c.number)).all()
        return LiveSession(row.id, row.place_code, row.round_label, row.framework_id, row.join_code, row.started_by,
                           row.ended_at is not None, row.consensus_id,
                           tuple(LiveRound(r.id, r.number, tuple(json.loads(r.dimension_ids)), r.closed_at is None)
                                 for r in held))

    def _newest(self, place_code: str, round_label: str, active_only: bool) -> LiveSession | None:
        query = (select(live_sessions.c.id).join(rounds, rounds.c.id == live_sessions.c.round_id)
                 .where(live_sessions.c.place_code == place_code, rounds.c.label == round_label)
                 .order_by(live_sessions.c.id.desc()).limit(1))
        if active_only:
            query = query.where(live_sessions.c.ended_at.is_(None))
        with self.engine.connect() as conn:
            found = conn.execute(query).scalar_one_or_none()
        return None if found is None else self.live_session(found)

    def active_live_vote(self, place_code: str, round_label: str) -> LiveSession | None:
        """The place and round's running live vote, if any."""
        return self._newest(place_code, round_label, active_only=True)

    def newest_live_vote(self, place_code: str, round_label: str) -> LiveSession | None:
        """The place and round's newest live vote, running or ended (its rounds stay readable)."""
        return self._newest(place_code, round_label, active_only=False)

    def open_live_round(self, who: Principal, session_id: int, dimension_ids: list[str],
                        framework: Framework) -> LiveRound:
        """Open voting on ``dimension_ids`` (kept in the framework's order) as the session's next round."""
        wanted = [d for d in framework.dimension_ids if d in set(dimension_ids)]
        unknown = sorted(set(dimension_ids) - set(framework.dimension_ids))
        if unknown or not wanted:
            raise InvalidEntry({"dimensions": f"choose one or more of {framework.title}'s dimensions"
                                              + (f"; not one of them: {', '.join(unknown)}" if unknown else "")},
                               source=SOURCE)
        with self.engine.begin() as conn:
            session = self._session_row(conn, session_id)
            self._facilitator(who, session.place_code)
            if session.ended_at is not None:
                raise IcsdashError("this live vote has ended; start a new one", source=SOURCE)
            held = conn.execute(select(live_rounds.c.number, live_rounds.c.closed_at)
                                .where(live_rounds.c.session_id == session_id)).all()
            if any(r.closed_at is None for r in held):
                raise IcsdashError("voting is already open; close it before opening another round", source=SOURCE)
            number = max((r.number for r in held), default=0) + 1
            new_id = conn.execute(insert(live_rounds).values(
                session_id=session_id, number=number, dimension_ids=json.dumps(wanted), opened_at=utc_now())
                .returning(live_rounds.c.id)).scalar_one()
            self._audit(conn, who.name, "open_live_round", place_code=session.place_code, session=session_id,
                        number=number, dimensions=wanted)
        return LiveRound(new_id, number, tuple(wanted), True)

    def close_live_round(self, who: Principal, session_id: int) -> LiveRound | None:
        """Close the open round (None when none is open): its votes are final, its results may be shown."""
        with self.engine.begin() as conn:
            session = self._session_row(conn, session_id)
            self._facilitator(who, session.place_code)
            row = conn.execute(select(live_rounds).where(live_rounds.c.session_id == session_id,
                                                         live_rounds.c.closed_at.is_(None))
                               .with_for_update()).first()
            if row is None:
                return None
            conn.execute(update(live_rounds).where(live_rounds.c.id == row.id).values(closed_at=utc_now()))
            self._audit(conn, who.name, "close_live_round", place_code=session.place_code, session=session_id,
                        number=row.number)
        return LiveRound(row.id, row.number, tuple(json.loads(row.dimension_ids)), False)

    def end_live_vote(self, who: Principal, session_id: int, consensus_id: int | None = None) -> LiveSession:
        """End the vote: an open round is closed, the join code stops working (it is removed), and the consensus
        drafted from it (if any) is linked. Its rounds are kept."""
        self.close_live_round(who, session_id)
        with self.engine.begin() as conn:
            session = self._session_row(conn, session_id)
            self._facilitator(who, session.place_code)
            conn.execute(update(live_sessions).where(live_sessions.c.id == session_id).values(
                ended_at=session.ended_at or utc_now(), join_code=None,
                consensus_id=consensus_id if consensus_id is not None else session.consensus_id))
            self._audit(conn, who.name, "end_live_vote", place_code=session.place_code, session=session_id,
                        consensus=consensus_id)
        return self.live_session(session_id)

    def link_live_consensus(self, who: Principal, session_id: int, consensus_id: int) -> LiveSession:
        """Link an ended vote to the consensus its place's director drafted from it afterwards (when an
        administrator ran and ended the vote, no draft was made then)."""
        with self.engine.begin() as conn:
            session = self._session_row(conn, session_id)
            if not auth.can_write_place(who, session.place_code):
                raise AccessDenied(f"only {session.place_code}'s place director records the consensus of its live "
                                   "vote; sign in with that place's access code", source=SOURCE)
            if session.ended_at is None:
                raise IcsdashError("the live vote is still running: end it on the Live vote page, which drafts the "
                                   "consensus from its last rounds", source=SOURCE)
            conn.execute(update(live_sessions).where(live_sessions.c.id == session_id)
                         .values(consensus_id=consensus_id))
            self._audit(conn, who.name, "link_live_consensus", place_code=session.place_code, session=session_id,
                        consensus=consensus_id)
        return self.live_session(session_id)

    # ------------------------------------------------------------------ a participant

    def join_live_vote(self, code: str, client: str, stakeholder_group: str | None = None) -> tuple[str, LiveSession]:
        """Join the running vote whose join code is ``code``: the secret the phone keeps, and the session.
        Wrong codes are counted per client and joining pauses after :data:`JOIN_FAILURES` of them."""
        key = f"join {client}"[:200]
        with self.engine.connect() as conn:
            failures = recent_failures(conn, key, JOIN_PAUSE_MINUTES)
        if failures >= JOIN_FAILURES:
            raise AccessDenied(f"too many wrong join codes from this device; try again in {JOIN_PAUSE_MINUTES} "
                               "minutes", source=SOURCE)
        if stakeholder_group is not None and stakeholder_group not in STAKEHOLDER_GROUPS:
            raise InvalidEntry({"stakeholder_group": f"must be one of {', '.join(STAKEHOLDER_GROUPS.values())}, "
                                                     "or left empty"}, source=SOURCE)
        normal = normal_join_code(code)
        with self.engine.begin() as conn:
            session_id = None if normal is None else conn.execute(
                select(live_sessions.c.id).where(live_sessions.c.join_code == normal,
                                                 live_sessions.c.ended_at.is_(None))).scalar_one_or_none()
            conn.execute(insert(sign_in_attempts).values(client=key, at=utc_now(), succeeded=session_id is not None))
            token = new_voter_token()
            if session_id is not None:
                conn.execute(insert(live_participants).values(
                    session_id=session_id, token_hash=_hash(token), stakeholder_group=stakeholder_group,
                    joined_at=utc_now()))
        if session_id is None:                  # the attempt is counted (committed above), then refused
            raise AccessDenied("that join code is not a running live vote: check the code on the screen "
                               f"(six letters and digits); {JOIN_FAILURES - failures - 1} more tries before "
                               "joining pauses", source=SOURCE)
        return token, self.live_session(session_id)

    def _voter(self, conn, token: str):
        row = conn.execute(select(live_participants).where(live_participants.c.token_hash == _hash(token or "")))\
            .first()
        if row is None:
            raise AccessDenied("this device is not part of a live vote; join again with the code on the screen",
                               source=SOURCE)
        return row

    def voter_session(self, token: str) -> LiveSession:
        """The live vote a phone's secret belongs to (:class:`AccessDenied` when it belongs to none)."""
        with self.engine.connect() as conn:
            session_id = self._voter(conn, token).session_id
        return self.live_session(session_id)

    def cast_vote(self, token: str, dimension_id: str, score: int | None, framework: Framework) -> None:
        """Record (or change) this participant's vote on a dimension of the open round; None is 'cannot say'.
        A repeat of the same click changes nothing; a vote after the round closed is refused."""
        if score is not None and not (isinstance(score, int) and framework.scale_min <= score <= framework.scale_max):
            raise InvalidEntry({dimension_id: f"must be a level from {framework.scale_min} to {framework.scale_max} "
                                              f"or 'cannot say'; got {score!r}"}, source=SOURCE)
        for attempt in (1, 2):
            try:
                with self.engine.begin() as conn:
                    self._write_vote(conn, token, dimension_id, score)
                return
            except IntegrityError:              # the same click, twice at once: the other wrote the row first
                if attempt == 2:
                    raise

    def _write_vote(self, conn, token: str, dimension_id: str, score: int | None) -> None:
        voter = self._voter(conn, token)
        still_open = and_(live_rounds.c.session_id == voter.session_id, live_rounds.c.closed_at.is_(None))
        open_round = conn.execute(select(live_rounds).where(still_open).with_for_update(read=True)).first()
        if open_round is None:
            raise IcsdashError("voting has closed; wait for the facilitator to open the next round", source=SOURCE)
        if dimension_id not in json.loads(open_round.dimension_ids):
            raise InvalidEntry({dimension_id: "is not open for voting in this round"}, source=SOURCE)
        key = and_(live_votes.c.round_id == open_round.id, live_votes.c.participant_id == voter.id,
                   live_votes.c.dimension_id == dimension_id)
        if not conn.execute(update(live_votes).where(key).values(score=score, updated_at=utc_now())).rowcount:
            conn.execute(insert(live_votes).values(round_id=open_round.id, participant_id=voter.id,
                                                   dimension_id=dimension_id, score=score, updated_at=utc_now()))
        # Written, so this transaction now holds the write lock (SQLite) or the round's share lock (PostgreSQL):
        # if the round closed while we read, the vote goes back rather than land after the close.
        if conn.execute(select(live_rounds.c.id).where(still_open, live_rounds.c.id == open_round.id)).first() is None:
            raise IcsdashError("voting has closed; wait for the facilitator to open the next round", source=SOURCE)

    def my_votes(self, token: str) -> dict[str, int | None]:
        """This participant's votes in the open round, by dimension (absent: not yet voted)."""
        with self.engine.connect() as conn:
            voter = self._voter(conn, token)
            rows = conn.execute(select(live_votes.c.dimension_id, live_votes.c.score)
                                .join(live_rounds, live_rounds.c.id == live_votes.c.round_id)
                                .where(live_rounds.c.session_id == voter.session_id,
                                       live_rounds.c.closed_at.is_(None),
                                       live_votes.c.participant_id == voter.id)).all()
        return {r.dimension_id: r.score for r in rows}

    # ------------------------------------------------------------------ what the projector shows

    def live_counts(self, session_id: int) -> tuple[int, int, int | None]:
        """(joined, voted, open round): participants in the session, those with at least one vote in the open
        round (0 when none is open), and that round's number (None between rounds). Small indexed counts,
        cheap enough to ask after every vote."""
        with self.engine.connect() as conn:
            joined = conn.execute(select(func.count()).select_from(live_participants)
                                  .where(live_participants.c.session_id == session_id)).scalar_one()
            current = conn.execute(select(live_rounds.c.id, live_rounds.c.number).where(
                live_rounds.c.session_id == session_id, live_rounds.c.closed_at.is_(None))).first()
            voted = 0 if current is None else conn.execute(
                select(func.count(func.distinct(live_votes.c.participant_id)))
                .where(live_votes.c.round_id == current.id)).scalar_one()
        return int(joined), int(voted), None if current is None else current.number

    def session_votes(self, session_id: int, closed_only: bool = True) -> pd.DataFrame:
        """Every vote of the session's (closed) rounds: round_number, dimension_id, participant_id,
        stakeholder_group, score (None: cannot say). Anonymous: a participant is a number within the session."""
        query = (select(live_rounds.c.number.label("round_number"), live_votes.c.dimension_id,
                        live_votes.c.participant_id, live_participants.c.stakeholder_group, live_votes.c.score)
                 .select_from(live_votes.join(live_rounds, live_rounds.c.id == live_votes.c.round_id)
                              .join(live_participants, live_participants.c.id == live_votes.c.participant_id))
                 .where(live_rounds.c.session_id == session_id)
                 .order_by(live_rounds.c.number, live_votes.c.dimension_id, live_votes.c.participant_id))
        if closed_only:
            query = query.where(live_rounds.c.closed_at.is_not(None))
        with self.engine.connect() as conn:
            frame = pd.read_sql(query, conn)
        return frame.astype({"score": "Int64"})
