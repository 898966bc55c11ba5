"""The limits pages of the pool: each person's capacity (held against what they may hold, with
their own override) and the lead's overview of locked customers per rep."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import Pool
from pipeline.pools import capacity as capacities
from pipeline.pools.locks import lock_overview
from teams.errors import ConflictError, DomainError
from teams.models import Team

PAGE_SIZE = 50


def _error_text(error) -> str:
    return " ".join(error.messages)


def _leads_and_admins(request):
    if request.user.is_authenticated and not (request.user.is_admin or request.user.is_lead):
        raise PermissionDenied


def parse_capacity(text) -> int | None:
    """A capacity as typed: empty clears the override; anything but a whole number is a field error."""
    text = str(text if text is not None else "").strip()
    if not text:
        return None
    if not text.lstrip("-").isdigit():
        raise DomainError({"capacity": [_("Enter a whole number.")]})
    return int(text)


def _id(value) -> int | None:
    """A submitted id as a number; anything else (missing, "abc") finds nobody."""
    return int(value) if value and value.isdigit() else None


class PoolCapacityView(LoginRequiredMixin, View):
    """Admins and leads: who holds how many of what they may hold; change a person's own capacity
    (admins anyone's; a lead the own reps', at most the role's)."""

    def dispatch(self, request, *args, **kwargs):
        _leads_and_admins(request)
        return super().dispatch(request, *args, **kwargs)

    def _pool(self, request, pk):
        return get_object_or_404(Pool.objects.visible_to(request.user), pk=pk)

    def get(self, request, pk):
        return self._render(request, self._pool(request, pk))

    def post(self, request, pk):
        pool = self._pool(request, pk)
        people = capacities.capacity_people(pool=pool, viewer=request.user)
        person = people.filter(pk=_id(request.POST.get("user"))).first()
        if person is None:
            raise Http404
        try:
            value = None if "clear" in request.POST else parse_capacity(request.POST.get("capacity"))
            capacities.pool_capacity_set(
                user=request.user,
                pool=pool,
                person=person,
                capacity=value,
                version=request.POST.get("version"),
                request=request,
            )
        except (ConflictError, DomainError) as error:
            return self._render(request, pool, errors={person.pk: _error_text(error)}, status=400)
        messages.success(request, _("Capacity of %(person)s saved.") % {"person": person.name})
        return redirect(f"{request.path}?{request.GET.urlencode()}" if request.GET else request.path)

    def _render(self, request, pool, errors=None, status=200):
        people = capacities.capacity_people(pool=pool, viewer=request.user)
        page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = capacities.with_capacity(list(page.object_list), pool)
        for person in rows:
            person.may_change = request.user.is_admin or person.role == "rep"
            person.error = (errors or {}).get(person.pk)
        context = {"pool": pool, "page_obj": page, "object_list": rows, "query_string": ""}
        return render(request, "pools/pool_capacity.html", context, status=status)


class LockOverviewView(LoginRequiredMixin, View):
    """A lead's team (an admin picks the team): per rep, the locked customers against the lock
    limit, and the customers returning soonest, to lock or unlock in one click."""

    def dispatch(self, request, *args, **kwargs):
        _leads_and_admins(request)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        user = request.user
        teams = Team.objects.filter(archived_at__isnull=True).order_by("name") if user.is_admin else None
        if user.is_admin:
            team = teams.filter(pk=_id(request.GET.get("team"))).first() or teams.first()
        else:
            team = Team.objects.filter(pk=user.team_id).first()
        if team is None:
            raise Http404
        overview = lock_overview(team=team)
        return render(request, "pools/locks.html", {"team": team, "teams": teams, **overview})
