"""Arrangement API routes, included at /api/v1/ (namespace "api-v1")."""

from django.urls import path

from arrangements import apis

ARRANGEMENT = "clients/<int:client_id>/arrangements/<int:arrangement_id>/"

urlpatterns = [
    path("menu-items/", apis.MenuItemListApi.as_view(), name="menu_item_list"),
    path("clients/<int:client_id>/arrangements/", apis.ArrangementListApi.as_view(), name="arrangement_list"),
    path(ARRANGEMENT, apis.ArrangementDetailApi.as_view(), name="arrangement_detail"),
    path(f"{ARRANGEMENT}lines/", apis.ArrangementLineListApi.as_view(), name="arrangement_line_list"),
    path(f"{ARRANGEMENT}lines/<int:arrangementline_id>/", apis.ArrangementLineDetailApi.as_view(),
         name="arrangement_line_detail"),
    path(f"{ARRANGEMENT}activate/", apis.ArrangementActivateApi.as_view(), name="arrangement_activate"),
]
