"""The coaching pages; each area keeps its routes in its own module."""

from coaching.targets_urls import urlpatterns as targets_urlpatterns

app_name = "coaching"

urlpatterns = [
    # Targets (业绩目标): the lead's grid and setting one month's target.
    *targets_urlpatterns,
]
