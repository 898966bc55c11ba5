"""Coaching note pages: "My coaching" (the notes on me), the lead's list of the team's
notes with the reps who had no 1:1 note lately, the form to write a note (a 1:1 on a
rep, or on a project or one of its logged contacts), the project page's "write a
coaching note" section, and the link a notification opens. Writes go through
``coaching.notes``."""

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import ListView

from coaching import notes
from coaching.models import CoachingNote, NoteKind
from pipeline.models import Activity
from projects.models import Project
from projects.views import forms_inline
from teams.errors import ConflictError, DomainError
from teams.mixins import VersionedUpdateMixin, add_domain_error
from teams.models import Role, Team, User

NOTE_MAX_CHARS = 5000


class NoteForm(forms.Form):
    rep = forms.ModelChoiceField(label=_("Rep"), queryset=User.objects.none(), empty_label=_("Choose a rep"))
    body = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Mention someone with @ and their name, e.g. @张伟: they are notified."),
    )

    def __init__(self, *args, reps=None, **kwargs):
        super().__init__(*args, **kwargs)
        if reps is None:
            del self.fields["rep"]
        else:
            self.fields["rep"].queryset = reps


class NoteEditForm(NoteForm):
    """The note's text and the version it was opened at."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, reps=None, **kwargs)


def team_reps(user, team_id):
    """The active reps of a team the user sees (a lead: the own team)."""
    return User.objects.visible_to(user).filter(team_id=team_id, role=Role.REP, is_active=True)


def note_place(user, note: CoachingNote) -> str:
    """Where ``user`` reads ``note``: on its project's timeline if they see the project,
    else on My coaching (the rep, anyone mentioned), else on the team's list."""
    anchor = f"#note-{note.pk}"
    if note.project_id and Project.objects.visible_to(user).filter(pk=note.project_id).exists():
        return reverse("projects:project_detail", args=[note.project_id]) + anchor
    if note.rep_id == user.pk or note.mentions.filter(pk=user.pk).exists() or user.is_rep:
        return reverse("coaching:note_mine") + anchor
    return reverse("coaching:note_list") + "?" + urlencode({"rep": note.rep_id}) + anchor


class NoteOpenView(LoginRequiredMixin, View):
    """/coaching/notes/<id>/: a notification's link; answers 404 for a note the user does not see."""

    def get(self, request, pk):
        note = get_object_or_404(CoachingNote.objects.visible_to(request.user), pk=pk)
        return redirect(note_place(request.user, note))


class MyNotesView(LoginRequiredMixin, ListView):
    template_name = "coaching/notes/mine.html"
    paginate_by = 20

    def get_queryset(self):
        return notes.my_notes(user=self.request.user)


class NoteFilter(django_filters.FilterSet):
    rep = django_filters.ModelChoiceFilter(label=_("Rep"), queryset=User.objects.none(), empty_label=_("All reps"))
    kind = django_filters.ChoiceFilter(label=_("About"), choices=NoteKind.choices, empty_label=_("Any kind"))

    class Meta:
        model = CoachingNote
        fields = ["rep", "kind"]

    def __init__(self, *args, reps=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["rep"].queryset = reps if reps is not None else User.objects.none()


class TeamNotesView(LoginRequiredMixin, ListView):
    """/coaching/notes/: the team's notes (a lead's own team; an admin picks one with
    ?team=), filtered by rep and kind, and the reps with no 1:1 note in the last N weeks."""

    template_name = "coaching/notes/team.html"
    paginate_by = 20

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.boosted:
            return [f"{self.template_name}#note-table"]
        return [self.template_name]

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_rep:
            return redirect("coaching:note_mine")
        return super().dispatch(request, *args, **kwargs)

    def team(self):
        if self.request.user.is_lead:
            return self.request.user.team
        team_id = self.request.GET.get("team", "")
        if not team_id:
            return None
        if not team_id.isdigit():
            raise Http404
        return get_object_or_404(Team.objects.visible_to(self.request.user), pk=team_id)

    def get_queryset(self):
        self.team_obj = self.team()
        reps = team_reps(self.request.user, self.team_obj.pk) if self.team_obj else None
        self.filterset = NoteFilter(
            self.request.GET or None,
            queryset=notes.team_notes(user=self.request.user, team_id=getattr(self.team_obj, "pk", None)),
            reps=reps,
            request=self.request,
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        weeks = notes.one_on_one_weeks(self.request.GET.get("weeks"))
        context.update(
            filter=self.filterset,
            query_string=query.urlencode(),
            team=self.team_obj,
            teams=Team.objects.visible_to(self.request.user) if self.request.user.is_admin else None,
            weeks=weeks,
            lagging=notes.reps_without_one_on_one(team_id=self.team_obj.pk, weeks=weeks) if self.team_obj else None,
        )
        return context


class NoteCreateView(LoginRequiredMixin, View):
    """/coaching/notes/new/?rep=ID (a 1:1), ?project=ID or ?activity=ID: the lead of the
    team or an admin writes a note. A rep, project or contact outside the user's scope
    answers 404; a rep (who may see their colleagues) is refused with 403."""

    template_name = "coaching/notes/form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not (request.user.is_lead or request.user.is_admin):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def _pk(self, name):
        value = self.request.GET.get(name, "")
        if value and not value.isdigit():
            raise Http404
        return int(value) if value else None

    def subject(self):
        """(rep, project, activity) named in the URL, each looked up in what the user sees."""
        user = self.request.user
        rep = project = activity = None
        if (pk := self._pk("activity")) is not None:
            activity = get_object_or_404(Activity.objects.visible_to(user).select_related("project"), pk=pk)
            project = activity.project
        if (pk := self._pk("project")) is not None:
            project = get_object_or_404(Project.objects.visible_to(user).select_related("owner", "customer"), pk=pk)
        if (pk := self._pk("rep")) is not None:
            rep = get_object_or_404(User.objects.visible_to(user).filter(is_active=True), pk=pk)
        return rep, project, activity

    def form(self, rep, project, data=None):
        reps = None
        if rep is None and project is None:
            reps = User.objects.visible_to(self.request.user).filter(role=Role.REP, is_active=True, team__isnull=False)
            if self.request.user.is_lead:
                reps = reps.filter(team_id=self.request.user.team_id)
        return NoteForm(data, reps=reps)

    def render_form(self, form, rep, project, activity, status=200):
        context = {
            "form": form,
            "rep": rep or (project.owner if project else None),
            "project": project,
            "activity": activity,
            "cancel_url": project.get_absolute_url() if project else reverse("coaching:note_list"),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        rep, project, activity = self.subject()
        if project is not None and activity is None and rep is None and forms_inline(request):
            # The project page's section, opened (htmx swaps it in with the form).
            section = note_section(request, project, opened=True)
            if section is None:  # the page shows no note section here (e.g. a project of no team)
                raise Http404
            return render(request, NOTE_SECTION_TEMPLATE, {"section": section, "project": project})
        return self.render_form(self.form(rep, project), rep, project, activity)

    def post(self, request):
        rep, project, activity = self.subject()
        form = self.form(rep, project, request.POST)
        if form.is_valid():
            try:
                note = notes.note_write(
                    author=request.user,
                    rep=form.cleaned_data.get("rep") or rep,
                    project=project,
                    activity=activity,
                    body=form.cleaned_data["body"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return redirect(note_place(request.user, note))
        return self.render_form(form, rep, project, activity, status=400)


def note_section(request, project, *, opened=False):
    """Registered in ``projects.views.PROJECT_SECTIONS``: "write a coaching note" on the
    project page, for the lead of the project's team and admins. Its form is loaded when
    opened, as the pipeline's are (``projects.views.forms_inline``): a GET of the form's URL
    answers the section with it open (htmx), or the form's own page (no JavaScript)."""
    if not notes.may_write_on(author=request.user, team_id=project.team_id):
        return None
    return {
        "template": NOTE_SECTION_TEMPLATE,
        "form": NoteForm() if opened or forms_inline(request) else None,
        "opened": opened,
        "url": reverse("coaching:note_new") + "?" + urlencode({"project": project.pk}),
    }


NOTE_SECTION_TEMPLATE = "coaching/notes/project_section.html"


def editable_note(request, pk) -> CoachingNote:
    """The note if the user may change it (its author, an admin); 404 for anyone else —
    the rep it is about reads it but cannot tell it from an unknown id here."""
    return get_object_or_404(
        CoachingNote.objects.editable_by(request.user).select_related("rep", "author", "project", "activity"), pk=pk
    )


class NoteEditView(LoginRequiredMixin, VersionedUpdateMixin, View):
    """/coaching/notes/<id>/edit/: the author (or an admin) rewrites a note; the form
    carries the version it was opened at, and a save over someone else's newer one
    shows both and keeps what was typed (409)."""

    template_name = "coaching/notes/form.html"  # the form a note is written with

    def get(self, request, pk):
        note = editable_note(request, pk)
        return self.page(note, NoteEditForm(initial={"body": note.body, "version": note.version}))

    def post(self, request, pk):
        note = editable_note(request, pk)
        form = NoteEditForm(request.POST)
        if form.is_valid():
            try:
                note = notes.note_edit(
                    user=request.user, note=note, body=form.cleaned_data["body"], version=form.cleaned_data["version"]
                )
            except ConflictError as error:
                extra = self.conflict_context(error, form)
                data = form.data.copy()
                data["version"] = str(extra["version"])  # saving again is now a deliberate overwrite
                fresh = NoteEditForm(data)
                fresh.is_valid()
                return self.page(note, fresh, status=409, **extra)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, gettext("Coaching note saved."))
                return redirect(note_place(request.user, note))
        return self.page(note, form, status=400)

    def page(self, note, form, status=200, **extra):
        context = {
            "note": note,
            "form": form,
            "rep": note.rep,
            "project": note.project,
            "activity": note.activity,
            "cancel_url": note_place(self.request.user, note),
            **extra,
        }
        return render(self.request, self.template_name, context, status=status)


class NoteDeleteView(LoginRequiredMixin, View):
    """/coaching/notes/<id>/delete/: asks to confirm (GET), deletes (POST); the author or an admin."""

    template_name = "coaching/notes/delete.html"

    def get(self, request, pk):
        note = editable_note(request, pk)
        return render(request, self.template_name, {"note": note, "cancel_url": note_place(request.user, note)})

    def post(self, request, pk):
        note = editable_note(request, pk)
        if note.project_id and Project.objects.visible_to(request.user).filter(pk=note.project_id).exists():
            back = note.project.get_absolute_url() + "#timeline"
        else:
            back = reverse("coaching:note_list") + "?" + urlencode({"rep": note.rep_id})
        notes.note_delete(user=request.user, note=note)
        messages.success(request, gettext("Coaching note deleted."))
        return redirect(back)
