"""The hand-computed history the trend and review tests share."""

import datetime

import pytest

from coaching.tests.trend_data import at, monday, move, open_project


@pytest.fixture
def history(rep, other_rep, lead):
    """Two weeks W (three weeks ago) and W+1, by hand:

    - P1 (rep): prospect Mon W, qualified Sun W 23:30 Shanghai (still week W).
    - P2 (rep): prospect Tue W, qualified Tue W+1.
    - P3 (rep): opened at proposal accepted (high intent) Wed W+1: reaches all three tiers then.
    - P4 (other_rep): prospect Mon W+1 00:00 (the first moment of W+1).
    - P5 (other_rep): prospect Sun W 23:59, qualified Mon W+1 00:30.
    """
    w = monday(3)
    p1 = open_project(rep, at(w))
    move(rep, p1, "need_confirmed", at(w + datetime.timedelta(days=6), 23, 30))
    p2 = open_project(rep, at(w + datetime.timedelta(days=1)))
    move(rep, p2, "need_confirmed", at(w + datetime.timedelta(days=8)))
    open_project(rep, at(w + datetime.timedelta(days=9)), stage="proposal_accepted")
    open_project(other_rep, at(w + datetime.timedelta(days=7), 0, 0))
    p5 = open_project(other_rep, at(w + datetime.timedelta(days=6), 23, 59))
    move(other_rep, p5, "need_confirmed", at(w + datetime.timedelta(days=7), 0, 30))
    return w
