from django.urls import path

from clients.views.imports import import_preview_view, import_upload

urlpatterns = [
    path("import/", import_upload, name="import_upload"),
    path("import/<int:clientimport_id>/", import_preview_view, name="import_preview"),
]
