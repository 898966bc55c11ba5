"""The rep's own funnel, framed as help: the rep's figures for each transition
beside the team's median of the reps' rates (never another rep's name or a
ranking), the weakest step and what to practise. Read from
``coaching.funnel.team_transitions`` (``team_funnel``'s transitions without the rest); the
median is taken over the reps' rates it gives."""

import datetime
import statistics
from functools import cached_property

from django.utils.translation import gettext_lazy as _

from coaching.dashboard import Dashboard, count_change, days_text, rate_change
from coaching.funnel import TRANSITION_LABELS, TRANSITIONS, Figures, Period, team_transitions
from coaching.funnel_chart import percent
from coaching.stats import MIN_REP_ENTERED

# What the rep can practise for each step: written for the rep, not the lead's action.
PRACTICE = {
    "prospect_to_qualified": _(
        "Qualifying: in each first conversation confirm the need in the customer's own words, find out who "
        "decides, and ask to be introduced to that key person."
    ),
    "qualified_to_high_intent": _(
        "Moving the customer's buying process: agree a concrete next step at every visit, bring the proposal to "
        "the decision makers, and ask your lead to come along to a visit or a demonstration."
    ),
    "high_intent_to_won": _(
        "Closing: keep the contract, legal review and payment dates current with the customer, know every "
        "competitor, and bring your lead in early when a deal is at risk."
    ),
}


def median_rate(funnel, key) -> float | None:
    """The median of the reps' rates on one transition (reps who entered none have no rate)."""
    rates = [
        rate for rep in funnel.reps if (rate := funnel.by_rep.get(rep.pk, Figures()).transitions[key].rate) is not None
    ]
    return statistics.median(rates) if rates else None


class RepView:
    def __init__(self, *, rep, period: Period, today: datetime.date, now: datetime.datetime):
        self.rep, self.period = rep, period
        self.dashboard = Dashboard(team=rep.team, period=period, today=today, now=now) if rep.team_id else None

    @cached_property
    def funnel(self):
        """The team's transitions this period and the one before (``team_transitions``)."""
        return team_transitions(self.rep.team, self.period, rep=self.rep)

    @cached_property
    def steps(self) -> list[dict]:
        if self.dashboard is None:
            return []
        funnel = self.funnel
        mine = funnel.by_rep.get(self.rep.pk, Figures())
        before = funnel.previous_by_rep.get(self.rep.pk, Figures())
        steps = []
        for key, _source, _target in TRANSITIONS:
            now, previous = mine.transitions[key], before.transitions[key]
            median = median_rate(funnel, key)
            steps.append(
                {
                    "key": key,
                    "label": TRANSITION_LABELS[key],
                    "entered": now.entered,
                    "entered_url": self.dashboard.url("entered", key, self.rep),
                    "entered_change": count_change(now.entered, previous.entered),
                    "advanced": now.advanced,
                    "advanced_url": self.dashboard.url("advanced", key, self.rep),
                    "rate_value": now.rate,
                    "rate": percent(now.rate),
                    "rate_change": rate_change(now.rate, previous.rate),
                    "median_days": days_text(now.median_days),
                    "team_median_value": median,
                    "team_median": percent(median),
                    "below": now.rate is not None and median is not None and now.rate < median,
                }
            )
        return steps

    @cached_property
    def weakest(self) -> dict | None:
        """The step to practise: the rep's bottleneck when the data shows one, else the
        step furthest below the team's median among those with enough projects."""
        if self.dashboard is None:
            return None
        found = self.funnel.bottlenecks.get(self.rep.pk)
        by_key = {step["key"]: step for step in self.steps}
        if found is not None:
            step = by_key[found.key]
        else:
            candidates = [step for step in self.steps if step["below"] and step["entered"] >= MIN_REP_ENTERED]
            if not candidates:
                return None
            step = max(candidates, key=lambda step: step["team_median_value"] - step["rate_value"])
        return {**step, "practice": PRACTICE[step["key"]], "confirmed": found is not None}

    @property
    def min_entered(self) -> int:
        return MIN_REP_ENTERED
