"""The page of one background job and its progress partial (polled by htmx)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView

from teams.errors import DomainError
from teams.jobs import job_cancel, job_progress
from teams.mixins import VisibleObjectsMixin
from teams.models import Job


def job_context(job: Job) -> dict:
    done, total, message = job_progress(job)
    percent = min(100, round(100 * done / total)) if total else (100 if job.finished else 0)
    return {"job": job, "done": done, "total": total, "percent": percent, "progress_message": message}


class JobDetailView(VisibleObjectsMixin, DetailView):
    model = Job
    template_name = "teams/job_detail.html"
    context_object_name = "job"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **job_context(self.object)}


class JobProgressView(JobDetailView):
    """The progress card alone; while the job runs it asks to be fetched again
    every second, once it has finished it no longer does."""

    template_name = "teams/includes/job_progress.html"


class JobCancelView(VisibleObjectsMixin, View):
    model = Job
    edits_objects = True

    def post(self, request, pk):
        job = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            job_cancel(actor=request.user, job_id=job.pk)
        except Job.DoesNotExist as error:
            raise Http404 from error
        except DomainError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.info(request, _("Asked the job to stop. It stops where nothing is left half-done."))
        return redirect(job)
