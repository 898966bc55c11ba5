"""The timeline's and the contact log's rows, built in Python (``pipeline.timeline_html``)."""

from django import template

from pipeline import timeline_html

register = template.Library()


@register.simple_tag
def timeline_rows(timeline):
    """``{% timeline_rows timeline as rows %}``: (event, its ``<li>``) for each event of the
    timeline; the ``<li>`` is None for an event with its own ``template``."""
    return timeline_html.timeline_rows(timeline.events)


@register.simple_tag
def activity_rows(activities):
    """``{% activity_rows activities as rows %}``: each activity's ``<li>``."""
    return timeline_html.activity_rows(activities)
