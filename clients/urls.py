from django.urls import include, path

from clients.views import clients as views

app_name = "clients"
urlpatterns = [
    path("", views.client_list, name="list"),
    path("nieuw/", views.client_create, name="create"),
    path("<int:client_id>/", views.client_detail, name="detail"),
    path("<int:client_id>/wijzigen/", views.client_edit, name="edit"),
    path("<int:client_id>/bsn/", views.client_reveal_bsn, name="reveal_bsn"),
    path("<int:client_id>/zorg-starten/", views.client_start_care, name="start_care"),
    path("<int:client_id>/zorg-beeindigen/", views.client_end_care, name="end_care"),
    path("<int:client_id>/indicatie/", views.indication_tab, name="indications"),
    path("<int:client_id>/indicatie/<int:wlzindication_id>/", views.indication_edit, name="indication_edit"),
    path("<int:client_id>/netwerk/", views.network_tab, name="network"),
    path("<int:client_id>/netwerk/<int:networkmember_id>/", views.network_edit, name="network_edit"),
    path("<int:client_id>/netwerk/<int:networkmember_id>/verwijderen/", views.network_delete, name="network_delete"),
    path("<int:client_id>/beoordeling/", views.assessment_tab, name="assessments"),
    path("<int:client_id>/beoordeling/<int:eligibilityassessment_id>/", views.assessment_detail, name="assessment_detail"),
    # Absences, the per-client access log and the CSV import have their own modules.
    path("", include("clients.urls_absences")),
    path("", include("clients.urls_access")),
    path("", include("clients.urls_imports")),
]
