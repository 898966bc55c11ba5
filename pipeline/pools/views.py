"""The pool pages: the pools a user may claim from, one pool's customers (filter, search,
claim with the limits shown), a customer's preview (phones hidden), release, lock, the
history of releases and returns, and the admins' settings."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from accounts import regions
from accounts.choices import CustomerLevel, Industry
from accounts.models import Contact, Customer, Pool, PoolEvent
from pipeline.pools import capacity, services
from pipeline.pools.api import PoolCustomerFilter
from pipeline.pools.forms import PoolSettingsForm, ReleaseForm
from pipeline.pools.selectors import pool_customers, with_history_summary
from teams.errors import ConflictError, DomainError
from teams.mixins import add_domain_error

PAGE_SIZE = 50


class CappedPaginator(Paginator):
    """Counts at most ``CAP`` rows (an index-only ``COUNT`` over ``LIMIT CAP + 1``), from the plain
    rows rather than the annotated page, so a pool of 100k customers costs what one of 2k does;
    the page says "2,000+" past it and filters narrow the rest."""

    CAP = 2_000

    def __init__(self, object_list, per_page, *, count_from):
        super().__init__(object_list, per_page)
        self.count_from = count_from
        self.capped = False

    @cached_property
    def count(self):
        found = self.count_from.order_by().values("pk")[: self.CAP + 1].count()
        self.capped = found > self.CAP
        return min(found, self.CAP)


def _query_string(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _error_text(error) -> str:
    return " ".join(error.messages)


class PoolListView(LoginRequiredMixin, View):
    def get(self, request):
        pools = list(Pool.objects.visible_to(request.user).order_by("archived", "name"))
        counts = services.pool_counts(pools)
        for pool in pools:
            pool.waiting = counts.get(pool.pk, 0)
        return render(request, "pools/pool_list.html", {"pools": pools})


class PoolDetailView(LoginRequiredMixin, View):
    """One pool's customers for the requester, newest release first; 50 a page, constant queries."""

    def get(self, request, pk):
        pool = get_object_or_404(Pool.objects.visible_to(request.user), pk=pk)
        filterset = PoolCustomerFilter(request.GET or None, queryset=pool_customers(user=request.user, pool=pool))
        rows = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
        paginator = CappedPaginator(with_history_summary(rows), PAGE_SIZE, count_from=rows)
        page = paginator.get_page(request.GET.get("page"))
        # Labels looked up once: ``get_FOO_display`` rebuilds the choices' dict on every call (a fifth of
        # the page's CPU for 50 rows, benchmarks/pool_bench.py).
        industries, levels = dict(Industry.choices), dict(CustomerLevel.choices)
        for customer in page.object_list:
            customer.region_display = regions.full_name(customer.province, customer.city, None)
            customer.industry_display = industries.get(customer.industry, "")
            customer.level_display = levels.get(customer.level, customer.level)
        may_claim = request.user.role in ("rep", "lead") and request.user.team_id is not None
        context = {
            "pool": pool,
            "filter": filterset,
            "page_obj": page,
            "paginator": page.paginator,
            "object_list": page.object_list,
            "query_string": _query_string(request),
            "may_claim": may_claim,
            "limits": capacity.limits_for(pool=pool, user=request.user) if may_claim else None,
        }
        return render(request, "pools/pool_detail.html", context)


class PoolCustomerView(LoginRequiredMixin, View):
    """What a rep may learn before claiming: the company, its history in figures, and who
    its people are (name, title, department), never their phones or e-mail."""

    def get(self, request, pk):
        customer = get_object_or_404(
            with_history_summary(Customer.objects.claimable_by(request.user)).select_related("pool", "previous_owner"),
            pk=pk,
        )
        people = Contact.objects.filter(customer=customer, has_left=False).select_related("department")[:20]
        events = PoolEvent.objects.filter(customer=customer).select_related("rep")[:20]
        return render(
            request,
            "pools/pool_customer.html",
            {
                "customer": customer,
                "pool": customer.pool,
                "people": people,
                "events": events,
                "may_claim": request.user.role in ("rep", "lead"),
            },
        )


class ClaimView(LoginRequiredMixin, View):
    def post(self, request, pk):
        try:
            customer = services.customer_claim(user=request.user, customer_id=pk, request=request)
        except Customer.DoesNotExist as error:
            raise Http404 from error
        except DomainError as error:  # ConflictError too: who got it first
            messages.error(request, _error_text(error))
            pool_id = Customer.objects.filter(pk=pk).values_list("pool_id", flat=True).first()
            return redirect(reverse("pools:pool_detail", args=[pool_id]) if pool_id else reverse("pools:pool_list"))
        messages.success(request, _("%(customer)s is now in your book.") % {"customer": customer.name})
        return redirect(customer.get_absolute_url())


class ReleaseView(LoginRequiredMixin, View):
    """The release dialog: which pool, and why (a reason from the list)."""

    def _load(self, request, pk):
        customer = get_object_or_404(Customer.objects.editable_by(request.user).filter(owner__isnull=False), pk=pk)
        pools = Pool.objects.live()
        if not request.user.is_admin:
            pools = pools.filter(teams=customer.team_id)
        return customer, pools.order_by("name")

    def get(self, request, pk):
        customer, pools = self._load(request, pk)
        initial = {"version": customer.version, "pool": customer.pool_id}
        return self._render(request, customer, ReleaseForm(initial=initial, pools=pools))

    def post(self, request, pk):
        customer, pools = self._load(request, pk)
        form = ReleaseForm(request.POST, pools=pools)
        if form.is_valid():
            try:
                services.customer_release(
                    user=request.user,
                    customer=customer,
                    pool=form.cleaned_data["pool"],
                    reason=form.cleaned_data["reason"],
                    version=form.cleaned_data.get("version"),
                    request=request,
                )
            except ConflictError as error:
                form.add_error(None, error)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("%(customer)s is back in the pool.") % {"customer": customer.name})
                return redirect("accounts:customer_list")
        return self._render(request, customer, form, status=400)

    def _render(self, request, customer, form, status=200):
        return render(request, "pools/release.html", {"customer": customer, "form": form}, status=status)


class LockView(LoginRequiredMixin, View):
    def post(self, request, pk):
        customer = get_object_or_404(Customer.objects.editable_by(request.user), pk=pk)
        try:
            services.customer_lock(
                user=request.user, customer=customer, locked=request.POST.get("locked") == "1", request=request
            )
        except DomainError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("Saved."))
        back = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            return redirect(back)
        return redirect(customer.get_absolute_url())


class PoolHistoryView(LoginRequiredMixin, View):
    """Releases, returns, claims and locks in a pool, as far as the requester may see them."""

    def get(self, request, pk):
        pool = get_object_or_404(Pool.objects.visible_to(request.user), pk=pk)
        events = PoolEvent.objects.visible_to(request.user).filter(pool=pool).select_related("customer", "rep", "by")
        kind = request.GET.get("kind")
        if kind:
            events = events.filter(kind=kind)
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "pools/pool_history.html",
            {"pool": pool, "page_obj": page, "object_list": page.object_list, "query_string": _query_string(request)},
        )


class PoolSettingsView(LoginRequiredMixin, View):
    """Admins create and change pools; a stale version is refused, bad numbers named beside the field."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_admin:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def _pool(self, pk):
        return get_object_or_404(Pool, pk=pk) if pk else None

    def get(self, request, pk=None):
        pool = self._pool(pk)
        return self._render(request, PoolSettingsForm(instance=pool or Pool()), pool)

    def post(self, request, pk=None):
        pool = self._pool(pk)
        form = PoolSettingsForm(request.POST, instance=Pool.objects.get(pk=pool.pk) if pool else Pool())
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k not in ("teams", "version")}
            try:
                saved = services.pool_save(
                    user=request.user,
                    pool=pool,
                    data=data,
                    teams=form.cleaned_data["teams"],
                    version=form.cleaned_data.get("version") if pool else None,
                    request=request,
                )
            except ConflictError as error:
                form.add_error(None, error)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Pool saved."))
                return redirect("pools:pool_detail", saved.pk)
        return self._render(request, form, pool, status=400)

    def _render(self, request, form, pool, status=200):
        return render(request, "pools/pool_settings.html", {"form": form, "pool": pool}, status=status)
