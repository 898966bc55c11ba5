from django.apps import AppConfig


class CoachingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coaching"

    def ready(self):
        from coaching import stats  # noqa: F401  (registers the SQLite median)

        # The rep's own funnel on the rep's start page, after the day's work.
        from coaching.home import my_funnel_section
        from teams.views import HOME_SECTIONS

        if my_funnel_section not in HOME_SECTIONS:
            HOME_SECTIONS.append(my_funnel_section)

        # Coaching notes: on the project timeline, a "write a note" section on the project
        # page, and kept when a project is merged away.
        from coaching.notes import (
            TIMELINE_KIND,
            TIMELINE_RANK,
            note_timeline_events,
            note_timeline_rows,
            notes_project_merge,
        )
        from coaching.notes_views import note_section
        from pipeline.selectors.timeline import timeline_source_register
        from projects.services import PROJECT_MERGE_HOOKS
        from projects.views import PROJECT_SECTIONS

        timeline_source_register(
            kind=TIMELINE_KIND, rank=TIMELINE_RANK, rows=note_timeline_rows, events=note_timeline_events
        )
        if note_section not in PROJECT_SECTIONS:
            PROJECT_SECTIONS.append(note_section)
        if notes_project_merge not in PROJECT_MERGE_HOOKS:
            PROJECT_MERGE_HOOKS.append(notes_project_merge)

        # The targets block on the start page: a rep's own, a lead's team's (after My day).
        from coaching.targets_views import targets_section

        if targets_section not in HOME_SECTIONS:
            HOME_SECTIONS.append(targets_section)
