from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from accounts import api_imports
from funnel_crm.views import healthz, metrics
from pipeline import api as pipeline_api
from pipeline import api_imports as pipeline_api_imports
from pipeline.pools import api as pools_api
from projects import api as projects_api
from projects.api_transfers import TransferView
from teams import api as teams_api
from teams import audit_views, tokens_views
from teams.invitations import InviteAcceptView
from teams.notifications import api as notifications_api
from teams.views import HomeView, PasswordChangeView

router = DefaultRouter()
router.register("users", teams_api.UserViewSet, basename="user")
router.register("teams", teams_api.TeamViewSet, basename="team")
router.register("customers", accounts_api.CustomerViewSet, basename="customer")
router.register("contacts", accounts_api.ContactViewSet, basename="contact")
# The pipeline's projects viewset extends the projects app's with stage, budget and key dates.
router.register("projects", pipeline_api.PipelineProjectViewSet, basename="project")
router.register("procurement-items", projects_api.ProcurementItemViewSet, basename="procurement-item")
router.register("stakeholders", projects_api.StakeholderViewSet, basename="stakeholder")
router.register("milestones", projects_api.MilestoneViewSet, basename="milestone")
router.register("conflicts", projects_api.ConflictViewSet, basename="conflict")
router.register("pipelines", pipeline_api.PipelineViewSet, basename="pipeline")
router.register("stages", pipeline_api.StageViewSet, basename="stage")
router.register("lost-reasons", pipeline_api.LostReasonViewSet, basename="lost-reason")
router.register("competitors", pipeline_api.CompetitorViewSet, basename="competitor")
router.register("activities", pipeline_api.ActivityViewSet, basename="activity")
router.register("jobs", teams_api.JobViewSet, basename="job")
router.register("audit", audit_views.AuditViewSet, basename="audit")
router.register("tokens", tokens_views.TokenViewSet, basename="token")
router.register("notifications", notifications_api.NotificationViewSet, basename="notification")
router.register("pools", pools_api.PoolViewSet, basename="pool")
# release/, claim/ and lock/ beside the accounts app's customer routes (accounts never imports the pipeline).
router.register("customers", pools_api.CustomerPoolViewSet, basename="customer-pool")

api_v1 = [
    path("auth/token/", teams_api.TokenView.as_view(), name="api-token"),
    path("board/", pipeline_api.BoardView.as_view(), name="api-board"),
    path("transfers/", TransferView.as_view(), name="api-transfers"),
    # Before the router, whose customers/<pk>/ would otherwise take "import".
    path("", include(api_imports.api_urlpatterns)),
    path("", include(pipeline_api_imports.api_urlpatterns)),
    path("", include("coaching.api_urls")),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", PasswordChangeView.as_view(), name="password_change"),
    path("invite/<uidb64>/<token>/", InviteAcceptView.as_view(), name="invite_accept"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("manage/", include("teams.urls")),
    path("", include("teams.notifications.urls")),
    path("", include("teams.urls_settings")),
    path("", include("teams.urls_jobs")),
    path("", include("accounts.urls")),
    path("", include("accounts.urls_user_imports")),
    path("", include("projects.urls")),
    path("", include("pipeline.urls")),
    path("pools/", include("pipeline.pools.urls")),
    path("coaching/", include("coaching.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
]

# Errors Django answers itself (a body over the upload limit, a URL no route
# matches, a crash): the JSON error shape under /api/, pages elsewhere.
handler400 = "funnel_crm.views.bad_request"
handler404 = "funnel_crm.views.not_found"
handler500 = "funnel_crm.views.server_error"
