"""The pipeline's part of ``seed_demo``: what the demo team's lead will find.

The history itself is written with the projects, in the same bulk load
(``pipeline/seeding.py``, a ``projects.services.PROJECT_BULK_HOOKS`` hook): this
prints, per rep of the demo team, how far their projects got through the funnel
and how their next contacts stand today, so whoever clicks through the demo (or
works on coaching) knows what the data should show.
"""

import time

from django.db.models import Count, Exists, OuterRef, Q

from pipeline.models import Activity, StageChange, Tier
from pipeline.seeding import AVERAGE, ROSTER
from pipeline.services import today
from projects.models import Project

PROFILE_NOTES = {
    "strong": "strong across the board",
    "weak_qualify": "weak at prospect → qualified",
    "weak_intent": "weak at qualified → high intent",
    AVERAGE.name: "average",
}


def _reached(tiers):
    return Exists(StageChange.objects.filter(project=OuterRef("pk"), merged_from__isnull=True, to_tier__in=tiers))


def rep_summary(*, team, reps):
    """Per rep (in the order given): projects, reached tiers, outcomes and next contacts, in one query."""
    on = today()
    open_ = Q(closed_at__isnull=True)
    rows = (
        Project.objects.filter(team=team, owner__in=reps)
        .values("owner")
        .annotate(
            projects=Count("pk"),
            qualified=Count("pk", filter=_reached([Tier.QUALIFIED, Tier.HIGH_INTENT, Tier.WON])),
            high_intent=Count("pk", filter=_reached([Tier.HIGH_INTENT, Tier.WON])),
            won=Count("pk", filter=Q(state__tier=Tier.WON)),
            lost=Count("pk", filter=Q(state__tier=Tier.LOST)),
            open=Count("pk", filter=open_),
            overdue=Count("pk", filter=open_ & Q(next_contact_on__lt=on)),
            due_today=Count("pk", filter=open_ & Q(next_contact_on=on)),
            no_next_contact=Count("pk", filter=open_ & Q(next_contact_on__isnull=True)),
        )
        .order_by()
    )
    by_owner = {row["owner"]: row for row in rows}
    return [(rep, by_owner.get(rep.pk)) for rep in reps]


def _rate(part, whole):
    return f"{part / whole:4.0%} ({part}/{whole})" if whole else "   – (0/0)"


def seed(*, stdout, options):
    started = time.monotonic()
    team, reps = options["team"], options["reps"]
    projects = Project.objects.filter(team=team)
    changes = StageChange.objects.filter(project__team=team).count()
    activities = Activity.objects.filter(project__team=team).count()
    stdout.write(
        f"Pipeline of {team.name}: {projects.count()} projects with {changes} stage changes and "
        f"{activities} activities over six months; per rep (today {today():%Y-%m-%d}):"
    )
    profiles = {rep.pk: profile.name for rep, profile in zip(reps, ROSTER, strict=False)}
    stdout.write(
        f"  {'rep':<6} {'open':>4} {'won':>4} {'lost':>4}  {'prospect→qualified':<18}  "
        f"{'qualified→high intent':<21}  {'overdue':>7} {'today':>5} {'no next':>7}  profile"
    )
    for rep, row in rep_summary(team=team, reps=reps):
        if row is None:
            continue
        stdout.write(
            f"  {rep.username:<6} {row['open']:>4} {row['won']:>4} {row['lost']:>4}  "
            f"{_rate(row['qualified'], row['projects']):<18}  {_rate(row['high_intent'], row['qualified']):<21}  "
            f"{row['overdue']:>7} {row['due_today']:>5} {row['no_next_contact']:>7}  "
            f"{PROFILE_NOTES[profiles.get(rep.pk, AVERAGE.name)]}"
        )
    stdout.write(f"  (counted in {time.monotonic() - started:.1f} s)")
    if options.get("admin") is not None:
        from pipeline.pools import demo as pool_demo

        pool_demo.seed(
            stdout=stdout, team=team, reps=reps, admin=options["admin"], per_rep=options.get("customers_per_rep") or 150
        )
