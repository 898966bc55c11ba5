from django import template

from coaching.notes import body_html

register = template.Library()


@register.filter
def note_body(note):
    """The note's text, escaped, its @mentions marked."""
    return body_html(note)
