from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from vpt.core import views as core_views
from vpt.tenancy import api as tenancy_api

api_v1 = [
    path("me/", tenancy_api.me, name="me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularRedocView.as_view(url_name="api-v1:schema"), name="docs"),
    path("", include("clients.api_urls")),
    path("", include("arrangements.api_urls")),
    path("", include("teams.api_urls")),
    path("", include("alarms.api_urls")),
    path("", include("reports.api_urls")),
]

urlpatterns = [
    path("", include("vpt.core.urls")),
    path("clienten/", include("clients.urls")),
    path("clienten/<int:client_id>/arrangement/", include("arrangements.urls")),
    path("menukaart/", include("arrangements.urls_menu")),
    path("budget/", include("arrangements.urls_overview")),
    path("financien/", include("billing.urls")),
    path("rapportages/", include("reports.urls")),
    path("zorgkantoor/", include("reports.urls_zk")),
    path("vandaag/", include("teams.urls_today")),
    path("teams/", include("teams.urls")),
    path("capaciteit/", include("teams.urls_capacity")),
    path("bezoeken/", include("teams.urls_visits")),
    path("clienten/<int:client_id>/vaste-gezichten/", include("teams.urls_faces")),
    path("alarmen/", include("alarms.urls")),
    path("alarmen/instellingen/", include("alarms.urls_setup")),
    path("alarmen/rapportage/", include("alarms.urls_reports")),
    path("clienten/<int:client_id>/apparaten/", include("alarms.urls_devices")),
    path("account/", include("vpt.accounts.urls")),
    path("organisatie/", include("vpt.tenancy.urls")),
    path("toegangslog/", include("vpt.audit.urls")),
    path("api/v1/", include((api_v1, "api-v1"))),
    path("i18n/setlang/", set_language, name="set_language"),
    path("geen-organisatie/", core_views.no_membership, name="no_membership"),
    path("healthz", core_views.healthz, name="healthz"),
]

