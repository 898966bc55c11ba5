"""Bulk creation of users from a spreadsheet (admins only), on the import machinery every import shares:
the same reading, dry run with per-cell errors, failed-rows file and all-or-nothing (or valid-rows-only)
commit as a background job.

One row is one user: username, name, e-mail, mobile, role, team and an optional initial password. With a
password the user must change it at the first login (as ``teams.services.user_create`` with an admin as
actor); without one they get the invitation e-mail of ``teams.invitations`` once the import is committed.
Checked per row with the user model's own validation, and for the whole file: a username twice in the file
or already taken (case-insensitively), an unknown team, a role that does not exist, a second lead for a team
that has one (stored, or earlier in the file), a bad e-mail or mobile, a password the password rules refuse.

It lives in ``accounts`` (which may import ``teams``, not the other way round) because the spreadsheet
reader and the mobile rules are here."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import register_choice_aliases
from accounts.importing.base import BATCH_SIZE, ERROR, Row, SheetCheck
from accounts.importing.importer import SheetImporter
from accounts.importing.layout import Column, ColumnSet
from accounts.models import UserImport
from accounts.normalize import normalize_email, normalize_mobile
from accounts.validators import validate_mobile
from teams.audit import AuditAction, AuditEntry, audit_entry
from teams.invitations import user_invite
from teams.models import Role, Team, User

COLUMNS = ColumnSet(
    (
        Column(
            "username",
            "用户名",
            "Username",
            ("账号", "登录名", "用户账号", "login", "user name"),
            required=True,
            hint=gettext_lazy("Required. Letters, digits and @ . + - _; unique, whatever the case."),
        ),
        Column("display_name", "姓名", "Name", ("名字", "显示名", "display name", "full name"), required=True),
        Column(
            "email",
            "邮箱",
            "E-mail",
            ("电子邮件", "电子邮箱", "邮件", "email", "e-mail address"),
            hint=gettext_lazy("Required without an initial password: the invitation goes there."),
        ),
        Column("mobile", "手机", "Mobile", ("手机号", "手机号码", "移动电话", "mobile phone")),
        Column(
            "role",
            "角色",
            "Role",
            ("权限", "user role"),
            hint=gettext_lazy("销售 / 组长 / 管理员 (rep / lead / admin); empty: 销售."),
        ),
        Column(
            "team",
            "团队",
            "Team",
            ("所属团队", "小组", "部门", "team name"),
            hint=gettext_lazy("The name of an existing team; required for a lead (one lead per team)."),
        ),
        Column(
            "password",
            "初始密码",
            "Initial password",
            ("密码", "password"),
            hint=gettext_lazy(
                "Optional. The user changes it at the first login. Empty: an invitation e-mail with a one-time "
                "link to set the password."
            ),
        ),
    ),
    choices={"role": Role},
)

register_choice_aliases(
    Role,
    {"销售": Role.REP, "销售代表": Role.REP, "业务员": Role.REP, "代表": Role.REP}
    | {"组长": Role.LEAD, "主管": Role.LEAD, "团队负责人": Role.LEAD, "经理": Role.LEAD, "销售经理": Role.LEAD}
    | {"管理员": Role.ADMIN, "系统管理员": Role.ADMIN},
)

EXAMPLE_ROW = {
    "username": "zhangwei",
    "display_name": "张伟",
    "email": "zhangwei@example.com",
    "mobile": "13812345678",
    "role": "销售",
    "team": "华东一组",
    "password": "",
}


@dataclass
class UserRow(Row):
    user: User | None = None
    password: str = ""
    team_text: str = ""


class UserCheck(SheetCheck):
    """One user per row, checked with the user model's rules and against the users and teams stored."""

    columns = COLUMNS

    def run(self) -> UserCheck:
        parsed = self.read_rows(UserRow)
        teams = {
            team.name.casefold(): team
            for team in Team.objects.filter(name__in={cells.get("team", "") for _row, cells in parsed} - {""})
        }
        taken = set(
            User.objects.annotate(folded=Lower("username"))
            .filter(folded__in={cells.get("username", "").casefold() for _row, cells in parsed} - {""})
            .values_list("folded", flat=True)
        )
        led = set(
            Team.objects.filter(pk__in=[t.pk for t in teams.values()], lead__isnull=False).values_list("pk", flat=True)
        )
        first_by_username: dict[str, UserRow] = {}
        lead_rows: dict[int, UserRow] = {}
        for row, cells in parsed:
            self._read(row, cells, teams)
            user = row.user
            folded = user.username.casefold()
            if folded in taken:
                row.add_error(self.header("username"), _("A user with this username already exists."))
            elif folded:
                earlier = first_by_username.setdefault(folded, row)
                if earlier is not row:
                    row.add_error(
                        self.header("username"),
                        _("The same username as row %(row)d of this file.") % {"row": earlier.number},
                    )
            if user.role == Role.LEAD and user.team is not None:
                if user.team.pk in led:
                    row.add_error(self.header("team"), _("This team already has a lead."))
                else:
                    earlier = lead_rows.setdefault(user.team.pk, row)
                    if earlier is not row:
                        row.add_error(
                            self.header("team"),
                            _("Row %(row)d already makes a lead of this team: one lead per team.")
                            % {"row": earlier.number},
                        )
        return self

    def _read(self, row: UserRow, cells: dict[str, str], teams: dict[str, Team]) -> None:
        role = Role.REP
        if cells.get("role"):
            role = self.choice(row, "role", cells["role"]) or Role.REP
        team = None
        row.team_text = cells.get("team", "")
        if row.team_text:
            team = teams.get(row.team_text.casefold())
            if team is None:
                row.add_error(self.header("team"), _("No team is called “%(value)s”.") % {"value": row.team_text})
        mobile = cells.get("mobile", "")
        if mobile:
            try:
                validate_mobile(mobile)
            except ValidationError as error:
                for message in error.messages:
                    row.add_error(self.header("mobile"), message)
            mobile = normalize_mobile(mobile)
        user = User(
            username=cells.get("username", ""),
            display_name=cells.get("display_name", ""),
            email=normalize_email(cells["email"]) if cells.get("email") else "",
            mobile=mobile,
            role=role,
            team=team,
        )
        row.user = user
        row.password = cells.get("password", "")
        headers = {key: self.header(key) for key in ("username", "display_name", "email", "role", "team")}
        try:
            # Uniqueness and the lead rule are judged for the whole file at once (run()); the team was found
            # among the stored ones already (validating the foreign key would ask the database per row).
            user.full_clean(exclude=["password", "mobile", "team"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                if name == "team" and team is not None and role == Role.LEAD:
                    continue  # "this team already has a lead": said once, by run()
                header = headers.get(name, headers["username"])
                if header in row.errors:
                    continue
                for message in messages:
                    row.add_error(header, message)
        if row.password:
            try:
                validate_password(row.password, user)
            except ValidationError as error:
                for message in error.messages:
                    row.add_error(self.header("password"), message)
        elif not user.email:
            row.add_error(
                self.header("email"),
                _("Give an e-mail address for the invitation, or an initial password."),
            )

    # -- results ----------------------------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        counts = super().counts()
        return {**counts, "users": counts["ok"]}

    def blocked(self, **options) -> bool:
        return bool(self.counts()[ERROR])

    def row_entry(self, row: UserRow) -> dict:
        user = row.user
        return {
            **super().row_entry(row),
            "username": user.username if user else "",
            "name": user.display_name if user else "",
            "role": user.get_role_display() if user else "",
            "team": user.team.name if user and user.team else row.team_text,
            "invitation": bool(user and not row.password),
        }

    # -- the commit -------------------------------------------------------------------------------------------------

    def units(self, **options):
        return [row for row in self.rows if not row.errors]

    def write(self, units: list[UserRow], *, run=None, **options) -> list[int]:
        """The users in batches; a lead becomes their team's lead; an audit entry for each user; the
        invitations are e-mailed once the import's transaction has committed (none for a rolled-back one)."""
        created: list[int] = []
        for start in range(0, len(units), BATCH_SIZE):
            if run is not None:
                run.check_cancel()
            batch = units[start : start + BATCH_SIZE]
            users = []
            for row in batch:
                user = row.user
                if row.password:
                    user.set_password(row.password)
                    user.must_change_password = True  # an initial password from an admin
                else:
                    user.set_unusable_password()
                user.is_staff = user.is_superuser = user.role == Role.ADMIN  # as User.save()
                users.append(user)
            User.objects.bulk_create(users)
            for user in users:
                if user.role == Role.LEAD:
                    Team.objects.filter(pk=user.team_id, lead__isnull=True).update(lead=user)
            AuditEntry.objects.bulk_create(
                [
                    audit_entry(
                        actor=self.user,
                        action=AuditAction.USER_CREATED,
                        target=user,
                        detail={"role": user.role, "team": user.team_id, "import": True},
                    )
                    for user in users
                ]
            )
            created += [user.pk for user in users]
            if run is not None:
                run.advance(len(batch))
        invited = [row.user for row in units if not row.password]
        actor = self.user
        transaction.on_commit(lambda: _invite(invited, actor=actor))
        return created


def _invite(users: list[User], *, actor) -> None:
    for user in users:
        user_invite(user=user, actor=actor)


USERS = SheetImporter(
    check_class=UserCheck,
    model=UserImport,
    example=EXAMPLE_ROW,
    title=gettext_lazy("Users"),
    template_name=gettext_lazy("user-import-template"),
)
