"""The pipeline's rows for projects made in bulk (``seed_demo``: the demo team and
the benchmark teams), registered in ``projects.services.PROJECT_BULK_HOOKS``.

Bulk inserts save no project, so the signal and the create hook that give every
project its stage never run. This hook gives each generated project up to six
months of history, written in the same load, as the services would have written
it over that time:

* moves through its pipeline (``services.pipeline_for``), back-dated from
  ``opened_at``: some skip a tier, some go back a stage, some are lost with a
  reason and a few of those re-opened, some won; the ``ProjectState`` is the last
  move and ``closed_at`` the closing move's ``at``. Leaving a stage whose exit
  check blocks without a decision maker puts one on the committee first;
* budget changes up and down (a drop always says why), ending at the budget;
* competitors of the three kinds, each with its simple_history rows;
* activities (calls, visits, meetings, messages, e-mails with the customer's
  people) at the rep's rhythm, each planning the next contact: the project's
  last and next contact are the activities' (next: the latest one planned), so
  some are overdue, some due today, and projects nobody contacted have none;
* the key dates (proposal accepted, contract review, payment) planned as the
  project qualifies and done as it moves on, some slipped (``MilestoneChange``).

Reps differ so that coaching has something true to find: of a team's reps in id
order the first is strong across the board, the second weak at prospect →
qualified, the third weak at qualified → high intent; the others are average.
Projects in a recorded conflict stay open (closing would retire the conflict).
Every team has its own seeded random generator: the same rows on every run.
"""

import random
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.conf import settings

from pipeline.models import (
    OPEN_TIERS,
    Activity,
    ActivityKind,
    BudgetChange,
    Competitor,
    CompetitorKind,
    CompetitorStatus,
    ExitCheck,
    LostReason,
    ProjectState,
    Severity,
    StageChange,
    TeamPipeline,
    Tier,
    stale_from,
    tiers_reached,
)
from pipeline.rules import KEY_DATES
from pipeline.seed_texts import (
    BACK_NOTE,
    CLOSING_SUMMARIES,
    COMPETITOR_KINDS,
    COMPETITOR_NOTES,
    COMPETITORS,
    DROP_REASONS,
    KINDS,
    LOST_NOTES,
    LOST_REASONS,
    MOVE_NOTES,
    REOPEN_NOTE,
    RISE_REASONS,
    SUMMARIES,
    SUMMARY_TEXTS,
    THREATS,
)
from pipeline.services import pipeline_for
from projects.models import Milestone, MilestoneChange, MilestoneKind, ProjectKind, Stance

SEED = 2026
TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)
MAX_ACTIVITIES = 60  # per project; ids are handed out for this many
MAX_COMPETITORS = 4


@dataclass(frozen=True)
class Profile:
    """How a rep works: the chance a project moves on from each open tier (spread over the tier's
    stages), of losing one that does not, the pace, and how they keep to planned contacts."""

    name: str
    advance: dict  # open tier -> chance
    lose: float  # of the projects that do not move on, the share lost (the others linger)
    pace: float  # days in a stage, as a multiple of its expected days
    gap: float  # days between contacts
    late: float  # share of next contacts kept late
    late_days: int  # how late at most
    silent: float  # share of projects never contacted


AVERAGE = Profile("average", {"prospect": 0.55, "qualified": 0.5, "high_intent": 0.45}, 0.5, 1.0, 6, 0.3, 8, 0.04)
ROSTER = [
    Profile("strong", {"prospect": 0.8, "qualified": 0.75, "high_intent": 0.65}, 0.5, 0.7, 5, 0.1, 4, 0.01),
    Profile("weak_qualify", {"prospect": 0.12, "qualified": 0.5, "high_intent": 0.45}, 0.45, 1.2, 9, 0.55, 20, 0.1),
    Profile("weak_intent", {"prospect": 0.55, "qualified": 0.12, "high_intent": 0.45}, 0.55, 1.0, 6, 0.3, 8, 0.04),
]
START_QUALIFIED = 0.05  # entered as an existing deal already qualified
SKIP_TIER = 0.1  # a prospect that moves on skips qualified
SKIP_STAGE = 0.12  # a high-intent project that moves on skips a stage
BACK = 0.15  # of the projects that neither move on nor are lost, the share that goes back a stage
REOPEN = 0.07  # a lost project re-opened
LOGGED_MOVE = 0.4  # a move logged with a contact at its moment
BACKFILLED = 0.08  # a change recorded some days after it took effect
SLIP = 0.3  # a key date slips (twice as likely for a weak rep); a second slip half as likely again
BUDGET_CHANGES = [0, 0, 0, 1, 1, 2, 3]  # after the first amount

# --- what is read once --------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedStage:
    id: int
    tier: str
    expected_days: int
    needs_decision_maker: bool  # a blocking exit check
    stale_days: int | None = None  # the stage's own expected days (None: never stale)


@dataclass(frozen=True)
class SeedPipeline:
    """A pipeline's active stages: the open ones in order, and the first won and lost stage (if any)."""

    open: tuple
    won: SeedStage | None
    lost: SeedStage | None

    def tier_size(self, tier):
        return sum(stage.tier == tier for stage in self.open)


@dataclass
class Context:
    """What the generator reads from the database once: plain values, so it pickles to a worker."""

    pipelines: dict  # id -> SeedPipeline
    chosen: dict  # (team id or None, project kind) -> pipeline id; None: teams without a default of their own
    lost_reasons: dict  # key -> id of the active reasons

    def pipeline(self, *, team_id, kind):
        return self.pipelines[self.chosen.get((team_id, kind)) or self.chosen[(None, kind)]]


def _seed_pipeline(pipeline, needs_decision_maker):
    stages = [
        SeedStage(s.pk, s.tier, s.expected_days or 30, s.pk in needs_decision_maker, s.expected_days)
        for s in pipeline.stages.active().order_by("order", "id")
    ]
    return SeedPipeline(
        open=tuple(s for s in stages if s.tier in OPEN_TIERS),
        won=next((s for s in stages if s.tier == Tier.WON), None),
        lost=next((s for s in stages if s.tier == Tier.LOST), None),
    )


# --- the hook -----------------------------------------------------------------------------------


def _has_all_key_dates(project):
    return project.seed_key_dates >= KEY_DATES


class ProjectBulkHook:
    HistoricalCompetitor = Competitor.history.model
    ActivityContact = Activity.contacts.through
    MilestoneAttendee = Milestone.attendees.through
    models = [
        ProjectState,
        StageChange,
        BudgetChange,
        Competitor,
        HistoricalCompetitor,
        Activity,
        ActivityContact,
        Milestone,
        MilestoneAttendee,
        MilestoneChange,
    ]
    numbered = {Competitor: MAX_COMPETITORS, Activity: MAX_ACTIVITIES, Milestone: len(KEY_DATES)}
    references = {HistoricalCompetitor: [("id", "competitor")]}
    checklist_rules = {
        "competitors": lambda project: project.seed_competitors > 0,
        "buying_process": _has_all_key_dates,
    }

    def context(self, *, teams):
        team_ids = set(TeamPipeline.objects.filter(team__in=teams).values_list("team_id", flat=True))
        # pipeline_for answers for an owner; only the owner's team matters to it.
        chosen = {
            (team_id, kind): pipeline_for(owner=SimpleNamespace(team_id=team_id), kind=kind)
            for team_id in [None, *team_ids]
            for kind in ProjectKind
        }
        blocking = set(
            ExitCheck.objects.filter(requirement="decision_maker", severity=Severity.BLOCK).values_list(
                "stage_id", flat=True
            )
        )
        return Context(
            pipelines={pipeline.pk: _seed_pipeline(pipeline, blocking) for pipeline in set(chosen.values())},
            chosen={key: pipeline.pk for key, pipeline in chosen.items()},
            lost_reasons=dict(LostReason.objects.filter(is_active=True).values_list("key", "pk")),
        )

    def team_rows(self, context, *, team, projects, conflicts, now):
        history = TeamHistory(context, team=team, conflicts=conflicts, now=now)
        for project in projects:
            history.project(project)
        return history.rows


project_bulk_hook = ProjectBulkHook()


# --- the generator ------------------------------------------------------------------------------


def _day(moment):
    return moment.astimezone(TZ).date()


@dataclass
class Move:
    stage: SeedStage
    at: datetime
    note: str = ""
    lost_reason: str = ""  # key


class TeamHistory:
    """One team's generated projects' history, project by project (in the order given)."""

    def __init__(self, context, *, team, conflicts, now):
        self.context, self.now = context, now
        rng = random.Random(f"{SEED}:pipeline:{team.name}")  # noqa: S311  (demo data is random, not secret)
        # random() and arithmetic: choice() and randint() cost ten times as much, millions of times over.
        self.random = random_ = rng.random

        def pick(options):
            return options[int(random_() * len(options))]

        def whole(low, high):
            return low + int(random_() * (high - low + 1))

        def between(low, high):
            return low + (high - low) * random_()

        self.pick, self.whole, self.between = pick, whole, between
        self.profiles = dict(zip(team.reps, ROSTER, strict=False))
        self.people = {customer[0]: customer[4] for customer in team.customers}
        self.keep_open = {id(project) for conflict in conflicts for project in (conflict.project_a, conflict.project_b)}
        self.rows = {model: [] for model in ProjectBulkHook.models}

    # A moment in working hours (Asia/Shanghai) about ``days`` after ``moment``, always after it.
    def after(self, moment, days):
        day = _day(moment + timedelta(days=days))
        at = datetime(day.year, day.month, day.day, self.whole(9, 18), 5 * int(self.random() * 12), tzinfo=TZ)
        return at if at > moment else moment + timedelta(minutes=self.whole(10, 120))

    def project(self, project):
        profile = self.profiles.get(project.owner_id, AVERAGE)
        pipeline = self.context.pipeline(team_id=project.team_id, kind=project.kind)
        people = self.people.get(project.customer_id, ())
        moves = self.moves(project, pipeline, profile, keep_open=id(project) in self.keep_open, people=people)
        last = moves[-1]
        closed = last.stage.tier in (Tier.WON, Tier.LOST)
        project.closed_at = last.at if closed else None
        end = project.closed_at or self.now
        competitors = self.competitors(project, moves, end)
        winner = next((c.name for c in competitors if c.status == CompetitorStatus.WON), None)
        winner = winner or next((c.name for c in competitors if c.kind == CompetitorKind.EXTERNAL), "其他厂商")
        for move in moves:
            move.note = move.note.format(competitor=winner)
        self.stage_rows(project, moves)
        self.budget(project, moves, end)
        self.key_dates(project, moves, people, profile)
        self.activities(project, moves, people, profile, end)
        events = [last.at, project.last_contact_at or last.at]
        project.updated_at = min(self.now, max(project.updated_at or project.opened_at, *events))

    # --- stages

    def moves(self, project, pipeline, profile, *, keep_open, people):
        now = self.now
        stages = pipeline.open
        index = 0
        if self.random() < START_QUALIFIED:
            index = next((i for i, s in enumerate(stages) if s.tier == Tier.QUALIFIED), 0)
        moves = [Move(stages[index], project.opened_at)]
        reopened = False
        while True:
            current = moves[-1]
            if current.stage is pipeline.won:
                break
            if current.stage is pipeline.lost:
                at = self.after(current.at, self.between(10, 45))
                if reopened or self.random() >= REOPEN or at > now:
                    break
                reopened = True
                moves.append(Move(stages[index], at, REOPEN_NOTE))
                continue
            stage = stages[index]
            at = self.after(current.at, stage.expected_days * profile.pace * self.between(0.3, 1.7))
            if at > now:
                break
            chance = profile.advance[stage.tier] ** (1 / pipeline.tier_size(stage.tier))
            draw = self.random()
            if draw < chance:
                target = index + 1
                if stage.tier == Tier.PROSPECT and self.random() < SKIP_TIER:
                    target = next((i for i, s in enumerate(stages) if s.tier == Tier.HIGH_INTENT), target)
                elif stage.tier == Tier.HIGH_INTENT and self.random() < SKIP_STAGE:
                    target += 1
                final = target >= len(stages)
                if (keep_open and final) or (final and pipeline.won is None):
                    break
                if stage.needs_decision_maker and not self.decision_maker(project, people, keep_open):
                    break
                to = pipeline.won if final else stages[target]
                moves.append(Move(to, at, self.pick(MOVE_NOTES[to.tier])))
                index = min(target, len(stages) - 1)
            elif draw < chance + (1 - chance) * profile.lose and not keep_open and pipeline.lost:
                weights = LOST_REASONS[stage.tier]
                reasons = [key for key, weight in weights for _n in range(weight) if key in self.context.lost_reasons]
                if not reasons:
                    break
                reason = self.pick(reasons)
                moves.append(Move(pipeline.lost, at, self.pick(LOST_NOTES[reason]), reason))
            elif index and self.random() < BACK:
                index -= 1
                moves.append(Move(stages[index], at, BACK_NOTE))
            else:
                break  # lingers in its stage
        return moves

    def decision_maker(self, project, people, keep_open):
        """A decision maker on the committee (a blocking exit check asks for one): there, or put there."""
        seats = project.seats
        if any(seat.role == "decision_maker" for seat in seats):
            return True
        # A seat added to a project in a conflict could be a shared contact the conflict does not name.
        if keep_open:
            return False
        seated = {seat.contact_id for seat in seats}
        free = [contact for contact in people if contact[0] not in seated]
        if not free:
            return False
        chosen = next((c for c in free if c[1] == "decision_maker"), free[0])
        stance = self.pick([Stance.SUPPORTER, Stance.SUPPORTER, Stance.NEUTRAL])
        seats.append(
            SimpleNamespace(project=project, contact_id=chosen[0], role="decision_maker", stance=stance, notes="")
        )
        return True

    def stage_rows(self, project, moves):
        changes = self.rows[StageChange]
        reasons = self.context.lost_reasons
        previous = None
        reached = {}
        for move in moves:
            reached = tiers_reached(move.stage.tier, move.at, reached)
            recorded = move.at
            if self.random() < BACKFILLED:
                recorded = min(self.now, move.at + timedelta(days=self.between(0.2, 4)))
            changes.append(
                SimpleNamespace(
                    project=project,
                    from_stage_id=previous.id if previous else None,
                    to_stage_id=move.stage.id,
                    from_tier=previous.tier if previous else "",
                    to_tier=move.stage.tier,
                    at=move.at,
                    recorded_at=recorded,
                    by_id=project.owner_id,
                    note=move.note,
                    lost_reason_id=reasons.get(move.lost_reason),
                    merged_from=None,
                )
            )
            previous = move.stage
        last = moves[-1]
        # What the moves keep on the project (``ProjectState.stale_from``), for My day's stale section.
        project.stale_at = stale_from(expected_days=last.stage.stale_days, tier=last.stage.tier, entered_at=last.at)
        self.rows[ProjectState].append(
            SimpleNamespace(
                project=project,
                stage_id=last.stage.id,
                tier=last.stage.tier,
                entered_at=last.at,
                lost_reason_id=reasons.get(last.lost_reason),
                lost_note=last.note if last.lost_reason else "",
                **reached,
            )
        )

    # --- budget

    def budget(self, project, moves, end):
        """Budget changes ending at the project's budget (given, or known once it qualified)."""
        qualified = next((m.at for m in moves if m.stage.tier not in (Tier.PROSPECT, Tier.LOST)), None)
        first = project.opened_at
        if project.budget is None:
            if qualified is None or self.random() < 0.35:
                return
            project.budget = Decimal(self.whole(10, 300) * 10_000)
            first = qualified
        dates = sorted(
            {_day(first)} | {_day(first + (end - first) * self.random()) for _n in range(self.pick(BUDGET_CHANGES))}
        )
        amounts = [project.budget]
        for _n in dates[1:]:
            factor = self.between(1.05, 1.4) if self.random() < 0.55 else self.between(0.6, 0.95)
            earlier = Decimal(max(1, round(float(amounts[0]) * factor / 10_000)) * 10_000)
            amounts.insert(0, earlier if earlier != amounts[0] else earlier + 10_000)
        old = None
        for day, amount in zip(dates, amounts, strict=True):
            reason = ""
            if old is not None:
                reason = self.pick(DROP_REASONS) if amount < old else self.pick(RISE_REASONS)
            recorded = min(self.now, datetime(day.year, day.month, day.day, self.whole(9, 18), tzinfo=TZ))
            self.rows[BudgetChange].append(
                SimpleNamespace(
                    project=project,
                    old=old,
                    new=amount,
                    effective_on=day,
                    recorded_at=max(recorded, first),
                    by_id=project.owner_id,
                    reason=reason,
                    merged_from=None,
                )
            )
            old = amount

    # --- competitors

    def competitors(self, project, moves, end):
        last = moves[-1]
        count = self.pick([0, 0, 1, 1, 1, 2, 2, 3])
        kinds = [self.pick(COMPETITOR_KINDS) for _n in range(count)]
        lost_to_competitor = last.lost_reason == "chose_competitor"
        if lost_to_competitor and CompetitorKind.EXTERNAL not in kinds:
            kinds.append(CompetitorKind.EXTERNAL)
        made, names = [], set()
        for kind in kinds:
            choices, offers = COMPETITORS[kind]
            name = self.pick(choices)
            if name in names:
                continue
            names.add(name)
            created = self.after(project.opened_at, (end - project.opened_at).days * self.random() * 0.6)
            if created > end:
                created = project.opened_at + (end - project.opened_at) / 2
            competitor = SimpleNamespace(
                project=project,
                kind=kind,
                name=name,
                offering=self.pick(offers),
                threat=self.pick(THREATS[kind]),
                status=CompetitorStatus.ACTIVE,
                notes=self.pick(COMPETITOR_NOTES),
                version=1,
                created_at=created,
                updated_at=created,
            )
            made.append(competitor)
        winner = next((c for c in made if c.kind == CompetitorKind.EXTERNAL), None) if lost_to_competitor else None
        for competitor in made:
            history = [self.history_row(competitor, "+", competitor.created_at, project.owner_id)]
            status = None
            if winner is competitor:
                status, at = CompetitorStatus.WON, last.at
            elif last.stage.tier == Tier.WON:
                status, at = CompetitorStatus.ELIMINATED, last.at
            elif self.random() < 0.15:
                at = competitor.created_at + (end - competitor.created_at) * self.random()
                status = CompetitorStatus.ELIMINATED
            if status is not None and at > competitor.created_at:
                competitor.status, competitor.updated_at, competitor.version = status, at, 2
                history.append(self.history_row(competitor, "~", at, project.owner_id))
            self.rows[Competitor].append(competitor)
            self.rows[ProjectBulkHook.HistoricalCompetitor] += history
        project.seed_competitors = len(made)
        return made

    @staticmethod
    def history_row(competitor, kind, at, user_id):
        return SimpleNamespace(
            competitor=competitor,
            project=competitor.project,
            kind=competitor.kind,
            name=competitor.name,
            offering=competitor.offering,
            threat=competitor.threat,
            status=competitor.status,
            notes=competitor.notes,
            created_at=competitor.created_at,
            history_date=at,
            history_change_reason=None,
            history_type=kind,
            history_user_id=user_id,
        )

    # --- key dates

    def key_dates(self, project, moves, people, profile):
        """Proposal accepted, contract review and payment: planned as the project qualifies and moves on,
        done when it enters the stage that needs them (the first and second high-intent stage, won)."""
        now = self.now
        first_at = {}
        high = 0
        for move in moves:
            tier = move.stage.tier
            if tier == Tier.QUALIFIED:
                first_at.setdefault("qualified", move.at)
            elif tier == Tier.HIGH_INTENT:
                first_at.setdefault("qualified", move.at)
                first_at.setdefault("high_intent", move.at)
                high += 1
                if high >= 2:
                    first_at.setdefault("contract", move.at)
            elif tier == Tier.WON:
                first_at.setdefault("qualified", move.at)
                first_at.setdefault("high_intent", move.at)
                first_at.setdefault("contract", move.at)
                first_at.setdefault("won", move.at)
        plans = {}  # kind -> (planned at, first due date, done on)
        qualified = first_at.get("qualified")
        if qualified is not None:
            plans[MilestoneKind.PROPOSAL_ACCEPTED] = (qualified, _day(qualified) + timedelta(days=self.whole(14, 45)))
            if self.random() < 0.25:  # the whole buying process mapped at once
                plans[MilestoneKind.CONTRACT_REVIEW] = (
                    qualified,
                    _day(qualified) + timedelta(days=self.whole(40, 75)),
                )
                plans[MilestoneKind.PAYMENT] = (qualified, _day(qualified) + timedelta(days=self.whole(80, 150)))
        done = {}
        if "high_intent" in first_at:
            at = first_at["high_intent"]
            plans.setdefault(MilestoneKind.PROPOSAL_ACCEPTED, (at, _day(at)))
            done[MilestoneKind.PROPOSAL_ACCEPTED] = _day(at)
            plans.setdefault(MilestoneKind.CONTRACT_REVIEW, (at, _day(at) + timedelta(days=self.whole(7, 30))))
        if "contract" in first_at:
            at = first_at["contract"]
            plans.setdefault(MilestoneKind.CONTRACT_REVIEW, (at, _day(at)))
            done[MilestoneKind.CONTRACT_REVIEW] = _day(at)
            plans.setdefault(MilestoneKind.PAYMENT, (at, _day(at) + timedelta(days=self.whole(20, 60))))
        if "won" in first_at:
            at = first_at["won"]
            plans.setdefault(MilestoneKind.PAYMENT, (at, _day(at)))
            done[MilestoneKind.PAYMENT] = _day(at)
        committee = [seat.contact_id for seat in project.seats if seat.role in ("decision_maker", "key_person")]
        for kind, (planned_at, due) in plans.items():
            milestone = SimpleNamespace(project=project, kind=kind, name="", due_on=due, done_on=done.get(kind))
            changes = [(planned_at, None, due)]
            # Slips happen while the date is still ahead: before it is done (or now).
            until = min(now, datetime(due.year, due.month, due.day, 18, tzinfo=TZ))
            if milestone.done_on is not None:
                day = milestone.done_on
                until = min(until, datetime(day.year, day.month, day.day, tzinfo=TZ))
            chance = SLIP * (2 if profile.name.startswith("weak") else 1)
            while until > changes[-1][0] + timedelta(hours=2) and self.random() < chance and len(changes) < 4:
                at = changes[-1][0] + (until - changes[-1][0]) * self.between(0.3, 0.9)
                later = changes[-1][2] + timedelta(days=self.whole(7, 30))
                changes.append((at, changes[-1][2], later))
                chance /= 2
            milestone.due_on = changes[-1][2]
            self.rows[Milestone].append(milestone)
            for at, old, new in changes:
                self.rows[MilestoneChange].append(
                    SimpleNamespace(
                        milestone=milestone,
                        old_due_on=old,
                        new_due_on=new,
                        changed_by_id=project.owner_id,
                        changed_at=at,
                        is_slip=old is not None and new > old,
                    )
                )
            if kind == MilestoneKind.PROPOSAL_ACCEPTED and milestone.done_on and (committee or people):
                present = committee[:2] or [people[0][0]]
                self.rows[ProjectBulkHook.MilestoneAttendee] += [
                    SimpleNamespace(milestone=milestone, contact_id=contact) for contact in present
                ]
        project.seed_key_dates = set(plans)

    # --- contact log

    def activities(self, project, moves, people, profile, end):
        """Contacts at the rep's rhythm from the opening on, each planning the next; some moves
        logged with a contact at their moment; a closed project's last contact is its closing."""
        project.last_contact_at = project.next_contact_on = None
        if self.random() < profile.silent:
            return
        committee = [seat.contact_id for seat in project.seats]
        if project.lead_contact_id and project.lead_contact_id not in committee:
            committee.append(project.lead_contact_id)
        everyone = [contact[0] for contact in people]
        closing = moves[-1] if moves[-1].stage.tier in (Tier.WON, Tier.LOST) else None
        logged = []  # (at, kind, summary, next contact)
        at = self.after(project.opened_at, self.between(0, 3))
        stage_at = 0
        while at < end and len(logged) < MAX_ACTIVITIES - 8:
            while stage_at + 1 < len(moves) and moves[stage_at + 1].at <= at:
                stage_at += 1
            kind = self.pick(KINDS)
            summary = self.pick(SUMMARY_TEXTS[moves[stage_at].stage.tier][kind])
            gap = max(1, round(profile.gap * self.between(0.4, 1.6)))
            planned = _day(at) + timedelta(days=gap)
            logged.append((at, kind, summary, planned))
            late = self.whole(1, profile.late_days) if self.random() < profile.late else 0
            at = self.after(at, (planned - _day(at)).days + late)
        for move in moves[1:]:
            if move is not closing and self.random() < LOGGED_MOVE and move.at < end:
                gap = max(1, round(profile.gap * self.between(0.4, 1.6)))
                summary = move.note or self.pick(SUMMARIES[ActivityKind.MEETING]).format(focus="下一步安排")
                logged.append((move.at, ActivityKind.MEETING, summary, _day(move.at) + timedelta(days=gap)))
        if closing is not None:
            kind, summary = CLOSING_SUMMARIES[closing.stage.tier]
            if closing.stage.tier == Tier.WON:
                logged.append((closing.at, kind, summary, _day(closing.at) + timedelta(days=self.whole(5, 10))))
            else:
                logged.append((closing.at, kind, summary.format(note=closing.note), None))
        # The rhythm and the logged moves together stay within the ids handed out per project.
        logged = sorted(logged, key=lambda entry: entry[0])[-MAX_ACTIVITIES:]
        for occurred, kind, summary, planned in logged:
            activity = SimpleNamespace(
                project=project,
                customer_id=project.customer_id,
                kind=kind,
                occurred_at=occurred,
                summary=summary,
                next_contact_on=planned,
                by_id=project.owner_id,
                created_at=min(self.now, occurred + timedelta(minutes=self.whole(1, 240))),
                merged_from=None,
            )
            self.rows[Activity].append(activity)
            pool = committee if committee and self.random() < 0.75 else everyone
            if pool:
                chosen = {self.pick(pool) for _n in range(self.pick([1, 1, 1, 1, 2, 2, 0]))}
                self.rows[ProjectBulkHook.ActivityContact] += [
                    SimpleNamespace(activity=activity, contact_id=contact) for contact in chosen
                ]
            if planned is not None:
                project.next_contact_on = planned
        if logged:
            project.last_contact_at = logged[-1][0]
