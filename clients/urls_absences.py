from django.urls import path

from clients.views.absences import absence_delete, absence_edit, absence_tab

urlpatterns = [
    path("<int:client_id>/afwezigheid/", absence_tab, name="absences"),
    path("<int:client_id>/afwezigheid/<int:absence_id>/", absence_edit, name="absence_edit"),
    path("<int:client_id>/afwezigheid/<int:absence_id>/verwijderen/", absence_delete, name="absence_delete"),
]
