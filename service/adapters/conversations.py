"""The flows' host: load a person's conversation, perform the engine's effects, store the state.

Runs inside the caller's transaction (inbound processing, a timeout, a check-in) under the
contact's lock, so texts, timeouts and check-ins of one person never race. Timers are written
to the row first and queued with RQ's scheduler after commit; the sweeper re-queues any that
Redis lost, and a timer that fires late or twice changes nothing (the engine checks its token).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import redis
from sqlalchemy.orm import Session

from service.adapters import erasure, handoffs, outbox, peer_commands, relays, safety
from service.adapters.conversation_rows import STATE_CONTEXT, active, end_all, state_of
from service.adapters.models import CheckinSchedule, Contact, Conversation
from service.adapters.runtime import Runtime
from service.core import checkins
from service.core.conversation import CHECKIN_COMMANDS, Coached, RunCommand, StateChanged
from service.core.flow_engine import (
    CrisisDetected,
    Ended,
    FlowStarted,
    FlowState,
    Forward,
    HandOff,
    Remember,
    ScheduleTimeout,
    Send,
)
from service.core.inbound import AskErase, ConfirmErase, Reply

log = logging.getLogger(__name__)
CLOSING = "closing"  # its answers rate the peer conversation that came before it


@dataclass
class Applied:
    """What must happen once the transaction commits: sends, timers and jobs to queue."""

    outbound_ids: list[int] = field(default_factory=list)
    timeouts: list[tuple[int, int, datetime]] = field(default_factory=list)  # conversation, token, at
    checkins: list[tuple[int, datetime]] = field(default_factory=list)  # contact, at
    jobs: list[tuple[str, tuple[int | str, ...]]] = field(default_factory=list)  # JobQueue method, ids

    def later(self, job: str, *args: int | str) -> None:
        if (job, args) not in self.jobs:
            self.jobs.append((job, args))


class Host:
    """Carries out one input's effects for one conversation's owner (the seeker, or a peer in an
    offer or a debrief), inside the caller's transaction. In a story-sharing conversation the
    other party is the peer of its relay, reached on the relay's number."""

    def __init__(self, rt: Runtime, session: Session, contact: Contact, line_number: str, now: datetime):
        self.rt, self.session, self.cipher, self.contact = rt, session, rt.cipher, contact
        self.line_number, self.now = line_number, now
        self.row = active(session, contact.id)
        self.stored = state_of(self.cipher, self.row) if self.row is not None else None  # decrypted once
        self.latest = self.stored
        self.applied = Applied()
        self.events: list[tuple[str, dict[str, str]]] = []  # host answers to feed back (offer won)
        self.party: str | None = None  # who the owner is, when no flow says (a peer between flows)

    def checkins(self) -> str | None:
        schedule = self.session.get(CheckinSchedule, self.contact.id)
        return None if schedule is None else "paused" if schedule.paused else "on"

    def state(self) -> FlowState | None:
        return self.stored

    def apply(self, effects: Sequence[object], in_reply_to: int | None = None) -> Applied:
        # Handoffs read the answers as they are after this input (the new state comes last).
        self.latest = next((e.state for e in reversed(effects) if isinstance(e, StateChanged)), self.stored)
        crises: list[CrisisDetected] = []
        for effect in effects:
            if isinstance(effect, (Send, Reply)):
                self._send(effect, in_reply_to)
            elif isinstance(effect, Forward):
                relays.forward(self, effect, in_reply_to)
            elif isinstance(effect, StateChanged):
                self._store(effect.state, effect.new)
            elif isinstance(effect, Remember):
                self._remember(effect)
            elif isinstance(effect, HandOff):
                self._hand_off(effect)
            elif isinstance(effect, RunCommand):
                self._command(effect)
            elif isinstance(effect, Coached):
                relays.coached(self, effect)
            elif isinstance(effect, AskErase):
                erasure.asked(self)
            elif isinstance(effect, ConfirmErase):
                erasure.confirmed(self)
            elif isinstance(effect, CrisisDetected):
                crises.append(effect)
            elif isinstance(effect, (Ended, FlowStarted, ScheduleTimeout)):
                pass  # recorded through the state (flow, content hash, wait, ended) in _store
            else:
                log.error("effect with no host yet", extra={"effect": type(effect).__name__})
        for crisis in crises:  # once the conversation row exists: the alert and the hit point to it
            safety.on_crisis(self, crisis, in_reply_to)  # the engine already made it urgent
        while self.events and self.stored is not None:  # e.g. "won": the peer's offer flow goes on
            name, values = self.events.pop(0)
            outcome = self.rt.flows.engine.event(self.stored, name, self.now, values)
            self.apply([*outcome.effects, StateChanged(outcome.state, new=False)])
        return self.applied

    def owner_party(self) -> str:
        if self.party is not None:
            return self.party
        state = self.latest or self.stored
        flow = self.rt.flows.flow_set.flows.get(state.flow) if state else None
        return "peer" if flow is not None and "seeker" not in flow.parties else "seeker"

    def _send(self, effect: Send | Reply, in_reply_to: int | None) -> None:
        party = effect.to if isinstance(effect, Send) else self.owner_party()
        to = (
            (self.contact.id, self.line_number)
            if party == self.owner_party()
            else relays.other_party(self, party)
        )
        if to is None:
            log.error("no one on the other side to send to", extra={"contact_id": self.contact.id})
            return
        confirms = isinstance(effect, Reply) and effect.confirms_opt_out
        self.send_to(*to, effect.text, in_reply_to, outbox.OPT_OUT_CONFIRMATION if confirms else outbox.REPLY)

    def send_to(
        self,
        contact_id: int,
        line_number: str,
        text: str,
        in_reply_to: int | None = None,
        kind: str = "reply",
    ) -> None:
        row = outbox.add(
            self.session,
            self.cipher,
            contact_id=contact_id,
            line_number=line_number,
            body=text,
            now=self.now,
            in_reply_to=in_reply_to,
            kind=kind,
        )
        self.session.flush()
        self.applied.outbound_ids.append(row.id)

    def shared_text(self, name: str, locale: str | None = None) -> str:
        """A message from flows/messages.yaml in the owner's language (or the one given)."""
        return self.rt.flows.shared_text(name, locale or self.contact.locale or "en")

    def _store(self, state: FlowState, new: bool) -> None:
        if new and self.row is not None:
            end_all(self.session, self.contact.id, "replaced", self.now)
            self.session.flush()
            self.row = None
        if self.row is None:
            self.row = Conversation(
                contact_id=self.contact.id, line_number=self.line_number, started_at=self.now, flows_run=""
            )
            self.session.add(self.row)
        row = self.row
        ran = f"{state.flow}@{state.content_hash}"
        if not row.flows_run.endswith(ran):
            row.flows_run = f"{row.flows_run} {ran}".strip()
        row.flow, row.content_hash, row.channel = state.flow, state.content_hash, state.channel
        row.state_cipher = self.cipher.encrypt(state.to_json(), STATE_CONTEXT)
        self.stored = state
        row.urgent = state.urgent
        row.updated_at = self.now
        wait = state.wait
        row.timeout_at = wait.due if wait else None
        row.timeout_token = wait.token if wait and wait.due else None
        if state.flow == CLOSING:
            relays.record_ratings(self.session, row.id, state.values)
        if state.ended:
            row.ended_at, row.end_reason = self.now, "done"
        self.session.flush()
        if row.timeout_at is not None and row.timeout_token is not None:
            self.applied.timeouts.append((row.id, row.timeout_token, row.timeout_at))

    def _remember(self, effect: Remember) -> None:
        if effect.key == "locale":
            self.contact.locale = effect.value
        elif effect.key == "consent" and effect.value == "yes":
            self.contact.consented_at = self.contact.consented_at or self.now
        # check-in answers are read from the state by the schedule_checkins handoff

    def _hand_off(self, effect: HandOff) -> None:
        if effect.action == "schedule_checkins":
            self._schedule(self.latest.values if self.latest else {})
        elif effect.action == "notify_when_peer_free":
            self.contact.wants_peer_since = self.contact.wants_peer_since or self.now  # matching acts on it
        else:
            handoffs.run(self, effect.action)

    def _schedule(self, values: Mapping[str, str]) -> None:
        schedule = self.session.get(CheckinSchedule, self.contact.id)
        every = values.get("checkins")
        if every in checkins.EVERY and not (values.get("checkin_time") and values.get("checkin_tz")):
            log.warning("check-ins asked for without a time or zone", extra={"contact_id": self.contact.id})
            return
        if every not in checkins.EVERY:
            if schedule is not None:
                self.session.delete(schedule)
            return
        zone = ZoneInfo(values["checkin_tz"])
        if schedule is None:
            schedule = CheckinSchedule(contact_id=self.contact.id)
            self.session.add(schedule)
        schedule.every, schedule.local_time, schedule.timezone = (
            every,
            values["checkin_time"],
            values["checkin_tz"],
        )
        schedule.weekday = self.now.astimezone(zone).weekday()
        schedule.line_number, schedule.paused, schedule.updated_at = self.line_number, False, self.now
        self.plan_next(schedule)

    def plan_next(self, schedule: CheckinSchedule) -> None:
        zone = ZoneInfo(schedule.timezone)
        schedule.next_at = checkins.next_checkin(
            schedule.every, schedule.local_time, zone, schedule.weekday, self.now
        )
        self.applied.checkins.append((self.contact.id, schedule.next_at))

    def _command(self, effect: RunCommand) -> None:
        if effect.name not in CHECKIN_COMMANDS:
            peer_commands.run(self, effect)
            return
        schedule = self.session.get(CheckinSchedule, self.contact.id)
        if schedule is None:
            return
        if effect.name == "pause_checkins":
            schedule.paused, schedule.next_at, schedule.updated_at = True, None, self.now
        elif effect.name == "resume_checkins":
            schedule.paused, schedule.updated_at = False, self.now
            self.plan_next(schedule)


def after_commit(rt: Runtime, applied: Applied) -> None:
    """Queue what the committed transaction promised; the sweeper catches anything lost here."""
    outbox.dispatch(rt, applied.outbound_ids)
    try:
        for conversation_id, token, at in applied.timeouts:
            rt.jobs.flow_timeout(conversation_id, token, at)
        for contact_id, at in applied.checkins:
            rt.jobs.checkin_due(contact_id, at)
        for job, args in applied.jobs:
            getattr(rt.jobs, job)(*args)
    except redis.RedisError:
        log.exception("could not queue timers; the sweeper will")
