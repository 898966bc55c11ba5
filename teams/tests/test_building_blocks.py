"""The rules several apps share, in teams: who may own a record, who manages a team's
records, and the one optimistic-locking check."""

from types import SimpleNamespace

import pytest

from teams.errors import ConflictError, DomainError
from teams.ownership import check_owner, manages_team_of, owner_choices
from teams.services import user_update
from teams.versioning import check_version

pytestmark = pytest.mark.django_db


def test_no_version_sent_or_the_current_one_passes():
    check_version(current=3, expected=None, current_data={"name": "甲"})
    check_version(current=3, expected=3, current_data={"name": "甲"})
    check_version(current=3, expected="3", current_data={"name": "甲"})  # as a form posts it


@pytest.mark.parametrize("garbled", ["abc", "-1", "1.5", ""])
def test_a_garbled_version_is_stale_not_a_crash(garbled):
    with pytest.raises(ConflictError):
        check_version(current=1, expected=garbled, current_data={})


def test_a_stale_version_is_a_conflict_carrying_the_stored_version_and_values():
    with pytest.raises(ConflictError) as error:
        check_version(current=4, expected="3", current_data={"name": "乙", "scope": ""})
    assert error.value.code == "stale_version"
    assert error.value.status_code == 409
    assert error.value.data == {"version": 4, "current": {"name": "乙", "scope": ""}}


@pytest.mark.parametrize(
    ("persona", "may_assign"),
    [
        ("rep", {"rep"}),
        ("lead", {"rep", "other_rep", "lead"}),
        ("other_lead", {"other_lead", "outsider_rep"}),
        ("admin", {"rep", "other_rep", "lead", "other_lead", "outsider_rep"}),
    ],
)
def test_owner_choices_and_check_owner_agree_for_every_persona(personas, persona, may_assign):
    user = personas[persona]
    assert set(owner_choices(user=user)) == {personas[name] for name in may_assign}
    for name, owner in personas.items():
        if name in may_assign:
            check_owner(user=user, owner=owner)
        else:
            with pytest.raises(DomainError) as error:
                check_owner(user=user, owner=owner)
            assert "owner" in error.value.message_dict


def test_an_inactive_user_owns_nothing(lead, other_rep):
    user_update(user=other_rep, is_active=False)
    other_rep.refresh_from_db()
    assert other_rep not in owner_choices(user=lead)
    with pytest.raises(DomainError):
        check_owner(user=lead, owner=other_rep)


@pytest.mark.parametrize(
    ("persona", "manages"),
    [("rep", False), ("other_rep", False), ("lead", True), ("other_lead", False), ("admin", True)],
)
def test_only_the_records_team_lead_and_admins_manage_it(personas, team, persona, manages):
    record = SimpleNamespace(team_id=team.pk)
    assert manages_team_of(user=personas[persona], record=record) is manages


def test_a_record_without_a_team_is_managed_by_admins_only(personas):
    record = SimpleNamespace(team_id=None)
    assert [name for name, user in personas.items() if manages_team_of(user=user, record=record)] == ["admin"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_date_pickers_carry_iso_values_in_every_language(language):
    """<input type=date> accepts only YYYY-MM-DD; 2026/12/10 (the Chinese format) shows as empty."""
    import datetime

    from django.utils import translation

    from teams.forms import DateInput, DateTimeInput

    with translation.override(language):
        assert 'value="2026-12-10"' in DateInput().render("on", datetime.date(2026, 12, 10))
        assert 'value="2026-12-10T09:05"' in DateTimeInput().render("at", datetime.datetime(2026, 12, 10, 9, 5))
