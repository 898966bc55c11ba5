"""The authentication backend: Django's ModelBackend, loading the session's user with
their team in the same query — every page's header shows the team, which otherwise
cost one query on every request. The query runs on every request: its SQL is compiled
once (``CompiledQuery``), the team packed as JSON beside the user's row."""

from django.contrib.auth.backends import ModelBackend, UserModel
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery

from teams.compiled import CompiledQuery
from teams.json_rows import packed, unpacked


def _user_with_team(user_id):
    from teams.models import Team

    team = Team.objects.filter(pk=OuterRef("team_id")).order_by().values(row=packed(Team))
    return UserModel._default_manager.filter(pk=user_id).order_by().annotate(team_row=Subquery(team))


_USER_WITH_TEAM = CompiledQuery(_user_with_team, UserModel, user_id=int)


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        from teams.models import Team

        try:
            user_id = UserModel._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        found = _USER_WITH_TEAM.rows("user", user_id=user_id)
        if not found:
            return None
        user = found[0]
        row = user.__dict__.pop("team_row", None)
        user.team = unpacked(Team, row) if row else None
        return user if self.user_can_authenticate(user) else None
