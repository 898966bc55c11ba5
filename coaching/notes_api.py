"""/api/v1/coaching/notes/: coaching notes. Everyone lists what they see (the notes on
them or mentioning them; a lead the team's; an admin all); the rep's lead or an admin
writes; the author or an admin changes (``version``: a stale one answers 409) and
deletes. Writes go through ``coaching.notes``."""

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, mixins, serializers

from coaching import notes
from coaching.models import CoachingNote, NoteKind
from pipeline.models import Activity
from projects.models import Project
from teams.api import ScopedViewSet
from teams.models import User
from teams.serializers import ChoiceNamesMixin
from teams.visibility import visible_choices


class VisibleField(serializers.PrimaryKeyRelatedField):
    """A record the requester sees; any other id answers 404, as its own URL would."""

    model = None
    answers_not_found = True  # funnel_crm.schema documents the 404

    def get_queryset(self):
        return self.model.objects.visible_to(self.context["request"].user)

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if error.get_codes() == ["does_not_exist"]:
                noun = self.model._meta.verbose_name
                raise exceptions.NotFound(_("%(model)s not found.") % {"model": noun}) from error
            raise


class VisibleUserField(VisibleField):
    model = User


class VisibleProjectField(VisibleField):
    model = Project


class VisibleActivityField(VisibleField):
    model = Activity


class CoachingNoteSerializer(ChoiceNamesMixin, serializers.ModelSerializer):
    rep = VisibleUserField(
        required=False,
        help_text=_("The rep the note is about; on a project, its owner unless given. Fixed after creation."),
    )
    project = VisibleProjectField(
        required=False, allow_null=True, help_text=_("A project of the team: a note on it. Fixed after creation.")
    )
    activity = VisibleActivityField(
        required=False,
        allow_null=True,
        help_text=_("A logged contact on a project: a note on it. Fixed after creation."),
    )
    rep_name = serializers.CharField(source="rep.name", read_only=True)
    author_name = serializers.CharField(source="author.name", read_only=True)
    mentions = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text=_("The users @mentioned in the body (and notified).")
    )
    version = serializers.IntegerField(
        required=False, help_text=_("Send the version you read: an older one answers 409 and changes nothing.")
    )

    class Meta:
        model = CoachingNote
        fields = [
            "id",
            "team",
            "rep",
            "rep_name",
            "kind",
            "project",
            "activity",
            "body",
            "mentions",
            "author",
            "author_name",
            "created_at",
            "edited_at",
            "version",
        ]
        read_only_fields = ["team", "kind", "author", "created_at", "edited_at"]
        extra_kwargs = {"body": {"help_text": _("The note; @username or @display name mentions a team member.")}}

    def validate(self, attrs):
        if self.instance is not None:
            for name in ("rep", "project", "activity"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError({name: [_("A note stays on what it was written about.")]})
        return attrs

    def create(self, validated_data):
        return notes.note_write(
            author=self.context["request"].user,
            rep=validated_data.get("rep"),
            project=validated_data.get("project"),
            activity=validated_data.get("activity"),
            body=validated_data.get("body", ""),
        )

    def update(self, instance, validated_data):
        return notes.note_edit(
            user=self.context["request"].user,
            note=instance,
            body=validated_data.get("body", instance.body),
            version=validated_data.get("version"),
        )


class CoachingNoteFilter(django_filters.FilterSet):
    rep = django_filters.ModelChoiceFilter(label=_("Rep"), queryset=visible_choices(User))
    project = django_filters.ModelChoiceFilter(label=_("Project"), queryset=visible_choices(Project))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=NoteKind.choices)

    class Meta:
        model = CoachingNote
        fields = ["rep", "project", "kind"]


class CoachingNoteViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """Coaching notes, newest first. Reading: the notes on you or @mentioning you, on
    projects you see; a lead the team's; an admin all. Writing: the rep's lead or an
    admin (a rep gets 403); changing and deleting: the author or an admin (anyone else:
    404)."""

    queryset = CoachingNote.objects.select_related("rep", "author").prefetch_related(
        Prefetch("mentions", queryset=User.objects.only("id"))
    )
    serializer_class = CoachingNoteSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CoachingNoteFilter

    def perform_destroy(self, instance):
        notes.note_delete(user=self.request.user, note=instance)
