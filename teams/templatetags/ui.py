"""Template tags of the design system (templates/README.md): typography, money
and numbers that follow the UI language, the filter bar and its chips,
form-field helpers."""

from django import forms, template
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html

from teams import formatting, typography

register = template.Library()

# Filter parameters that order the list rather than narrow it: no chip for them.
NOT_A_FILTER = {"ordering", "page", "page_size"}
BLANK_LABEL = "---------"


@register.simple_tag
def colon():
    return typography.colon()


@register.simple_tag
def list_separator():
    """Between the names of an enumeration: "、" in Chinese, ", " in English."""
    return typography.list_separator()


@register.filter
def bracketed(text):
    return typography.bracketed(text)


@register.filter
def quoted(text):
    return typography.quoted(text)


@register.filter
def listed(parts):
    """``{{ activity.contacts.all|listed }}``: "张伟、李娜" / "Zhang Wei, Li Na"."""
    return typography.listed(parts)


@register.simple_tag
def joined(*parts, sep=" "):
    """``{% joined object.region_name object.address %}``: the parts with text, no dangling separator."""
    return typography.join_nonempty(*parts, sep=sep)


@register.filter
def money(amount):
    """``{{ project.budget|money }}``: "123.45万元" in Chinese, "¥1,234,500" in
    English, the exact "¥1,234,500.00" on hover; "—" when there is no amount."""
    short = formatting.money_short(amount)
    if not short:
        return "—"
    return format_html('<span class="money" title="{}">{}</span>', formatting.money_exact(amount), short)


@register.filter
def number(value):
    """``{{ count|number }}``: a count with thousands separators (1,234)."""
    return formatting.number(value)


@register.filter
def in_words(name, words):
    """``field.name|in_words:"name address"``: is the name one of the space-separated words?"""
    return name in (words or "").split()


@register.filter
def friendly_blank(bound):
    """The bound field with Django's "---------" empty choice shown as "—"."""
    field = bound.field
    if hasattr(field, "queryset"):  # a model choice: don't load the options here
        if field.empty_label == BLANK_LABEL:
            field.empty_label = "—"
            field.widget.choices = field.choices
    elif isinstance(field, forms.ChoiceField):
        choices = list(field.choices)
        if choices and choices[0][0] == "" and str(choices[0][1]) == BLANK_LABEL:
            field.choices = [("", "—"), *choices[1:]]
    return bound


@register.filter
def scope_ids(form, scope):
    """Give a form's inputs ids of their own ("<scope>_name") when two forms on one
    page share field names, so each label points at its own input. Renders nothing."""
    form.auto_id = f"{scope}_%s"
    return ""


def _choice_label(bound, value, filterset):
    """What a chip shows for a filter's value: the option's label, not its code."""
    custom = getattr(filterset, "chip_label", None)
    if custom is not None:
        label = custom(bound.name, value)
        if label:
            return label
    field = bound.field
    if hasattr(field, "queryset"):
        chosen = getattr(filterset.form, "cleaned_data", {}).get(bound.name)
        if chosen is not None:  # validated already: no second query
            return str(chosen)
        try:
            return str(field.to_python(value) or value)
        except ValidationError:
            return value
    for key, label in getattr(field, "choices", ()):
        if isinstance(label, (list, tuple)):  # option groups
            label = dict(label).get(value)
            if label is not None:
                return str(label)
        elif str(key) == value:
            return str(label)
    return value


def _chips(request, filterset, search):
    chips = []
    for bound in filterset.form:
        value = request.GET.get(bound.name, "").strip()
        if not value or bound.name in NOT_A_FILTER:
            continue
        rest = request.GET.copy()
        rest.pop(bound.name, None)
        rest.pop("page", None)
        if bound.name == "province":  # a city belongs to its province
            rest.pop("city", None)
        label = value if bound.name == search else _choice_label(bound, value, filterset)
        chips.append({"name": bound.name, "field": bound.label, "value": label, "url": f"?{rest.urlencode()}"})
    return chips


@register.inclusion_tag("includes/filter_bar.html", takes_context=True)
def filter_bar(context, filterset, *, target, url, placeholder="", skip="", search="q"):
    """The list's filter bar: search first and widest, then every select of the
    FilterSet with its label; fields in ``skip`` (space-separated) are not offered
    but a value already in the URL is kept as a hidden input."""
    request = context["request"]
    form = filterset.form
    skipped = set(skip.split())
    selects, hidden = [], []
    for bound in form:
        if bound.name == search:
            continue
        if bound.name not in skipped and isinstance(bound.field.widget, forms.Select):
            selects.append(bound)
        elif request.GET.get(bound.name):
            hidden.append({"name": bound.name, "value": request.GET[bound.name]})
    active = sum(1 for bound in selects if request.GET.get(bound.name) and bound.name not in NOT_A_FILTER)
    return {
        "request": request,
        "search": form[search] if search in form.fields else None,
        "search_value": request.GET.get(search, ""),
        "selects": selects,
        "hidden": hidden,
        "active": active,
        "target": target,
        "url": url,
        "placeholder": placeholder,
    }


@register.inclusion_tag("includes/filter_chips.html", takes_context=True)
def filter_chips(context, filterset, search="q"):
    """The active filters as removable chips (each a link to the list without it)."""
    return {"chips": _chips(context["request"], filterset, search)}


@register.filter
def attr(obj, name):
    """``obj.<name>`` for a name held in a variable (a registered column of a list)."""
    return getattr(obj, name, "")


@register.filter
def days_until(day):
    """Whole days from today (Asia/Shanghai) to ``day``; None without a day."""
    if not day:
        return None
    return (day - timezone.localdate()).days
