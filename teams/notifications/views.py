from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from teams.errors import DomainError
from teams.mixins import add_domain_error
from teams.notifications import selectors, services
from teams.notifications.forms import PreferenceForm
from teams.notifications.models import Notification

PAGE_SIZE = 50


class NotificationListView(LoginRequiredMixin, TemplateView):
    """The user's notifications, newest first, grouped by day."""

    template_name = "teams/notifications/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        unread_only = self.request.GET.get("unread") == "1"
        notifications = Notification.objects.visible_to(user).select_related("target_type")
        if unread_only:
            notifications = notifications.unread()
        page = Paginator(notifications, PAGE_SIZE).get_page(self.request.GET.get("page"))
        items = selectors.notifications_prepare(user=user, notifications=page.object_list)
        context.update(
            page_obj=page,
            days=selectors.group_by_day(items),
            unread_only=unread_only,
            unread=selectors.unread_count(user=user),
            query_string="unread=1" if unread_only else "",
        )
        return context


class BellView(LoginRequiredMixin, View):
    """The header's bell: polled by htmx, so the count follows without a reload."""

    def get(self, request):
        return render(request, "teams/notifications/bell.html", {"unread": selectors.unread_count(user=request.user)})


class NotificationOpenView(LoginRequiredMixin, View):
    """Open a notification: mark it read and go to what it is about (or back to
    the list when that is no longer visible)."""

    def get(self, request, pk):
        notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
        services.notification_read(user=request.user, notification=notification)
        prepared = selectors.notifications_prepare(user=request.user, notifications=[notification])[0]
        return redirect(prepared.url or "notifications:list")


class NotificationReadView(LoginRequiredMixin, View):
    def post(self, request, pk):
        notification = get_object_or_404(Notification.objects.editable_by(request.user), pk=pk)
        services.notification_read(user=request.user, notification=notification)
        if request.htmx:
            prepared = selectors.notifications_prepare(user=request.user, notifications=[notification])[0]
            return render(request, "teams/notifications/item.html", {"item": prepared})
        return redirect("notifications:list")


class NotificationReadAllView(LoginRequiredMixin, View):
    def post(self, request):
        count = services.notifications_read_all(user=request.user)
        messages.success(request, _("%(count)s notifications marked as read.") % {"count": count})
        return redirect("notifications:list")


class PreferenceView(LoginRequiredMixin, View):
    template_name = "teams/notifications/preferences.html"

    def get(self, request):
        form = PreferenceForm(instance=services.preferences_for(request.user))
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        preference = services.preferences_for(request.user)
        form = PreferenceForm(request.POST, instance=preference)
        if form.is_valid():
            try:
                services.preferences_update(user=request.user, data=form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Your notification settings were saved."))
                return redirect("notifications:preferences")
        return render(request, self.template_name, {"form": form}, status=400)
