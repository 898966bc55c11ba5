"""The Board: a scope's projects by stage, moved by drag or by each card's
"move to" menu.

A drop (``static/js/board.js``) posts the move with the card's version and asks
for JSON; the menu posts the same form and, without JavaScript, gets pages: the
board again after a move, or the move page when the move needs more (the lost
reason, a confirmation of exit-check warnings) or was refused (a blocking exit
check, a stale version with both versions shown).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from pipeline import services
from pipeline.forms import lost_reason_choices, stage_choices
from pipeline.models import ProjectState, Stage
from pipeline.selectors import board as board_selector
from pipeline.views.my_day import url_of
from projects.models import Project
from teams.errors import ConflictError, DomainError
from teams.mixins import add_domain_error
from teams.models import Team, User
from teams.templatetags.ui import money
from teams.typography import join_nonempty, quoted


class BoardFilterForm(forms.Form):
    """The board's pickers: a lead picks a rep of the team, an admin a team (then
    a rep of it), anyone a pipeline when several hold their projects."""

    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    team = forms.ModelChoiceField(label=gettext_lazy("Team"), queryset=Team.objects.none(), required=False)
    owner = forms.ModelChoiceField(
        label=gettext_lazy("Owner"),
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("Everyone in the team"),
    )
    # A key the board does not know falls back to the default pipeline; the options
    # are set from the board's pipelines (``offer_pipelines``).
    pipeline = forms.SlugField(label=gettext_lazy("Pipeline"), required=False, widget=forms.Select)

    def __init__(self, data, *, user):
        super().__init__(data)
        # The team whose board an admin sees (the picked one, else the first); a lead's own
        # (the page has it at hand: the selector need not read it again); none for a rep.
        self.team = user.team if user.is_lead else None
        if user.is_admin:
            teams = Team.objects.visible_to(user).order_by("name", "id")
            self.fields["team"].queryset = teams
            self.fields["team"].empty_label = None
            chosen = teams.filter(pk=data.get("team")).first() if str(data.get("team", "")).isdigit() else None
            team = self.team = board_selector.board_team(user=user, team=chosen)
            members = User.objects.filter(team=team) if team is not None else User.objects.none()
        else:
            members = User.objects.visible_to(user) if user.is_lead else User.objects.none()
        self.fields["owner"].queryset = members.filter(is_active=True).order_by("display_name", "username")

    def offer_pipelines(self, pipelines):
        self.fields["pipeline"].widget.choices = [(pipeline.key, pipeline.name) for pipeline in pipelines]

    def value(self, name):
        """The picked value, or None when absent or not one the user may pick."""
        if not self.is_valid() and name in self.errors:
            return None
        return self.cleaned_data.get(name) or None


class BoardFilter:
    """The filter bar and chips (``{% filter_bar %}``, ``{% filter_chips %}``) read
    ``.form`` of a FilterSet; the board's pickers narrow a selector, not a queryset."""

    def __init__(self, form, *, pipelines):
        self.form = form
        self.pipeline_names = {pipeline.key: pipeline.name for pipeline in pipelines}

    def chip_label(self, name, value):
        return self.pipeline_names.get(value) if name == "pipeline" else None


def wants_json(request) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def with_card_texts(board, *, show_owner: bool, move_query: str = ""):
    """Each card's links and texts, computed here rather than in the template: one
    ``reverse`` per URL name for the whole board, and plain ``ngettext``, ``date_format``
    and the ``money`` filter (the template's msgids, formats and markup) instead of a
    ``{% blocktranslate %}``, a ``|date`` and a filter per card — those were most of a
    card's rendering time. ``move_query`` follows the move page's link (without JavaScript
    the move comes back to this board)."""
    project_url, move_url = url_of("projects:project_detail"), url_of("pipeline:board_move")
    day_texts = {}
    for column in board.columns:
        expected = column.stage.expected_days
        stale_title = (
            ngettext(
                "Longer in this stage than the expected %(days)s day",
                "Longer in this stage than the expected %(days)s days",
                expected,
            )
            % {"days": expected}
            if expected
            else ""
        )
        for card in column.cards:
            card.url, card.move_url = project_url(card.pk), move_url(card.pk)
            card.move_page_url = card.move_url + move_query
            days = card.days_in_stage
            if days not in day_texts:
                day_texts[days] = ngettext("%(days)s day", "%(days)s days", days) % {"days": days}
            card.in_stage_text = day_texts[days]
            card.stale_title = stale_title if card.is_stale else ""
            card.meta = card.customer_name
            if show_owner:
                card.meta = join_nonempty(card.customer_name, card.owner_name, sep=" · ")
            card.budget_text = money(card.budget)
            card.closed_on_text = (
                date_format(timezone.localtime(card.closed_at), "DATE_FORMAT") if card.closed_at else ""
            )
            card.next_contact_text = date_format(card.next_contact_on, "DATE_FORMAT") if card.next_contact_on else ""


def expand_cards(value) -> int:
    """How many cards the expanded column shows ("show more": a column's worth more each
    time), at least a column's worth; anything else than a number gives that."""
    cards = int(value) if str(value or "").isdigit() and len(str(value)) < 7 else 0
    return max(cards, board_selector.CARDS_PER_COLUMN)


class BoardView(LoginRequiredMixin, View):
    template_name = "pipeline/board.html"

    def get(self, request):
        user = request.user
        form = BoardFilterForm(request.GET.copy(), user=user)
        board = board_selector.board(
            user=user,
            owner=form.value("owner"),
            team=form.team,
            pipeline=form.value("pipeline"),
            search=form.value("q") or "",
            expand=request.GET.get("column") or None,
            expand_cards=expand_cards(request.GET.get("cards")),
        )
        form.offer_pipelines(board.pipelines)
        # The selects show what the board shows when the URL does not say it.
        if board.pipeline is not None:
            form.data.setdefault("pipeline", board.pipeline.key)
        if board.team is not None and user.is_admin:
            form.data.setdefault("team", str(board.team.pk))
        query = request.GET.copy()
        query.pop("column", None)
        query.pop("cards", None)
        # Each card's move page (without JavaScript) comes back here after the move.
        move_query = "?" + urlencode({"next": request.get_full_path()})
        with_card_texts(board, show_owner=not user.is_rep, move_query=move_query)
        skip = ["team" if not user.is_admin else "", "owner" if user.is_rep else ""]
        if len(board.pipelines_in_use) < 2:
            skip.append("pipeline")
        context = {
            "board": board,
            "filter": BoardFilter(form, pipelines=board.pipelines),
            "skip": " ".join(skip),
            "lost_reasons": board.lost_reasons,
            "closed_days": board_selector.CLOSED_DAYS,
            "query": query.urlencode(),
        }
        template = self.template_name
        if request.htmx and not request.htmx.boosted:
            part = "board-columns" if request.htmx.target == "board-columns" else "board-page"
            template = f"{self.template_name}#{part}"
        return render(request, template, context)


class BoardMoveForm(forms.Form):
    stage = forms.CharField(label=gettext_lazy("Move to"), max_length=50)
    lost_reason = forms.CharField(label=gettext_lazy("Why was it lost?"), required=False, max_length=50)
    lost_note = forms.CharField(
        label=gettext_lazy("Details"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        stage_choices(self.fields["stage"], current=project.state.stage)
        self.fields["lost_reason"].widget = forms.Select(choices=lost_reason_choices())


class BoardMoveView(LoginRequiredMixin, View):
    """Move one project of the board. Anything the user may not change answers 404,
    whatever the form says."""

    template_name = "pipeline/board_move.html"

    def project(self):
        projects = Project.objects.editable_by(self.request.user).select_related("customer", "state__stage__pipeline")
        return get_object_or_404(projects, pk=self.kwargs["pk"])

    def get(self, request, pk):
        project = self.project()
        form = BoardMoveForm(
            project=project,
            initial={"stage": request.GET.get("stage"), "version": project.version, "next": request.GET.get("next")},
        )
        return self.page(project, form)

    def post(self, request, pk):
        project = self.project()
        form = BoardMoveForm(request.POST, project=project)
        if not form.is_valid():
            return self.refused(project, form, errors=form.errors.get_json_data())
        data = form.cleaned_data
        try:
            target = services.stage_by_key(data["stage"])
            # Sent once the user has seen the warnings (or the reason question) and goes on.
            if not request.POST.get("confirm"):
                question = self.ask(project, form, target)
                if question is not None:
                    return question
            result = services.project_move(
                user=request.user,
                project=project,
                stage=target,
                note=data["note"],
                lost_reason=data["lost_reason"],
                lost_note=data["lost_note"],
                version=data["version"],
            )
        except ConflictError as error:
            return self.conflict(project, form, error)
        except DomainError as error:
            add_domain_error(form, error)
            return self.refused(project, form, errors=form.errors.get_json_data())
        return self.moved(project, target, result, data)

    def ask(self, project, form, target):
        """The question to answer before moving, or None: confirm the warnings of the
        stage being left, or give the reason a project was lost (the board's dialog
        asks it before posting; without JavaScript this page asks)."""
        data = form.cleaned_data
        if project.version != data["version"]:
            return None  # the move answers with the conflict
        if target.is_lost and not data["lost_reason"] and not wants_json(self.request):
            return self.page(project, form, asking_reason=True)
        failing = services.exit_warnings(project=project, to_stage=target)
        if not failing or any(result.blocks for result in failing):
            return None  # nothing to confirm, or the move refuses with the blocking ones
        warnings = [result.label for result in failing]
        message = _("Before leaving %(stage)s, this is still missing. Move anyway?") % {
            "stage": quoted(project.state.stage.name)
        }
        if wants_json(self.request):
            return JsonResponse({"confirm": True, "detail": message, "warnings": warnings})
        return self.page(project, form, warnings=warnings, warning_message=message)

    def moved(self, project, target, result, data):
        message = _("%(project)s moved to %(stage)s.") % {"project": quoted(project.name), "stage": quoted(target.name)}
        if result.warnings:
            missing = _("Still missing: %(missing)s.") % {"missing": "；".join(result.warnings)}
            message = f"{message} {missing}"
        if wants_json(self.request):
            return JsonResponse(
                {
                    "moved": True,
                    "detail": message,
                    "stage": target.key,
                    "version": result.project.version,
                    "warnings": result.warnings,
                }
            )
        messages.success(self.request, message)
        return redirect(self.next_url(data.get("next")))

    def refused(self, project, form, *, errors):
        if wants_json(self.request):
            fields = {name: [error["message"] for error in found] for name, found in errors.items()}
            detail = next(message for found in fields.values() for message in found)
            return JsonResponse({"detail": detail, "errors": fields}, status=400)
        return self.page(project, form, status=400)

    def conflict(self, project, form, error):
        state = ProjectState.objects.select_related("stage").get(pk=project.pk)
        detail = _("Someone else changed %(project)s after you opened the board: it is now in %(stage)s.") % {
            "project": quoted(project.name),
            "stage": quoted(state.stage.name),
        }
        version = error.data.get("version")
        if wants_json(self.request):
            body = {"detail": detail, "errors": {}, "stage": state.stage.key, "version": version}
            return JsonResponse(body, status=409)
        # The user's move stays in the form, now carrying the stored version: sending
        # it again is a deliberate choice made knowing where the project stands.
        project.version, project.state = version, state
        data = form.data.copy()
        data["version"] = str(version)
        fresh = BoardMoveForm(data, project=project)
        fresh.is_valid()
        your_stage = Stage.objects.filter(key=form.data.get("stage", "")).first()
        return self.page(project, fresh, status=409, conflict=detail, current_stage=state.stage, your_stage=your_stage)

    def page(self, project, form, status=200, **extra):
        context = {
            "project": project,
            "form": form,
            "board_url": self.next_url(form["next"].value()),
            **extra,
        }
        return render(self.request, self.template_name, context, status=status)

    def next_url(self, url):
        if url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return url
        return reverse("pipeline:board")
