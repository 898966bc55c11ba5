"""The weekly review as an Excel workbook (openpyxl): a sheet for the team, then one per
rep, with the same figures as the page — counts as numbers, rates in % format — and the
headers in the user's language."""

import io
import re

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from coaching.funnel import TRANSITION_LABELS
from coaching.review import Review, tier_counts
from pipeline.models import Tier

RATE = "0.0%"
CHANGE = "+0.0%;-0.0%;0.0%"
DAYS = "0.0"
SHEET_NAME = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(name: str, taken: set) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = SHEET_NAME.sub(" ", name).strip()[:31] or "-"
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def _header(sheet, title: str, review: Review):
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("Team"), review.team.name])
    sheet.append([_("Period"), review.period.start, review.period.end])
    for cell in sheet[3][1:]:
        cell.number_format = "yyyy-mm-dd"
    sheet.append([])


def _bold_row(sheet, values):
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def _transition_table(sheet, lines, *, with_team: bool):
    head = [_("Transition"), _("Entered"), _("Advanced"), _("Rate"), _("Median days")]
    if with_team:
        head.append(_("Team rate"))
    head += [_("Previous rate"), pgettext("rate change", "Change")]
    _bold_row(sheet, head)
    for line in lines:
        row = [str(TRANSITION_LABELS[line.key]), line.entered, line.advanced, line.rate, line.median_days]
        formats = [None, None, None, RATE, DAYS]
        if with_team:
            row.append(line.team_rate)
            formats.append(RATE)
        row += [line.previous_rate, line.change]
        formats += [RATE, CHANGE]
        sheet.append(row)
        for cell, number_format in zip(sheet[sheet.max_row], formats, strict=True):
            if number_format:
                cell.number_format = number_format
    sheet.append([])


def _tier_table(sheet, figures):
    _bold_row(sheet, [_("Tier at the end of the period"), _("Projects")])
    for tier, count in tier_counts(figures):
        sheet.append([str(Tier(tier).label), count])
    sheet.append([])


def _widths(sheet):
    for index in range(1, sheet.max_column + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 24 if index == 1 else 14


def review_workbook(review: Review) -> bytes:
    book = Workbook()
    team_sheet = book.active
    taken = set()
    team_sheet.title = _sheet_title(_("Team"), taken)
    _header(team_sheet, _("Weekly review"), review)
    _transition_table(team_sheet, review.team_lines, with_team=False)
    _tier_table(team_sheet, review.team_figures)
    _widths(team_sheet)
    for rep_review in review.reps:
        sheet = book.create_sheet(_sheet_title(rep_review.rep.name, taken))
        _header(sheet, rep_review.rep.name, review)
        _transition_table(sheet, rep_review.lines, with_team=True)
        _tier_table(sheet, rep_review.figures)
        found = rep_review.bottleneck
        sheet.append([_("Bottleneck"), str(found.label) if found else _("None found")])
        if found:
            sheet.append([_("Action"), str(found.action)])
        sheet.append([_("Overdue next contacts"), rep_review.overdue_count])
        sheet.append([])
        _bold_row(sheet, [_("Week of"), *(str(TRANSITION_LABELS[key]) for key in rep_review.trend.lines)])
        for i, week in enumerate(review.trend.weeks):
            sheet.append([week.start, *(line[i].rate for line in rep_review.trend.lines.values())])
            cells = sheet[sheet.max_row]
            cells[0].number_format = "yyyy-mm-dd"
            for cell in cells[1:]:
                cell.number_format = RATE
        _widths(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def review_filename(review: Review) -> str:
    period = review.period
    name = _("weekly review")
    return f"{review.team.name}-{name}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"
