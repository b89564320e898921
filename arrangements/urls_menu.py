# The organisation's menu card, mounted at /menukaart/ (namespace "menu").
from django.urls import path

from arrangements.views.menu import (
    menu_item_change_price_view,
    menu_item_create_view,
    menu_item_deactivate_view,
    menu_item_detail,
    menu_item_update_view,
    menu_list,
    menu_load_defaults_view,
)

app_name = "menu"
urlpatterns = [
    path("", menu_list, name="list"),
    path("standaard/", menu_load_defaults_view, name="load_defaults"),
    path("nieuw/", menu_item_create_view, name="create"),
    path("<int:menuitem_id>/", menu_item_detail, name="detail"),
    path("<int:menuitem_id>/prijs/", menu_item_change_price_view, name="change_price"),
    path("<int:menuitem_id>/wijzigen/", menu_item_update_view, name="edit"),
    path("<int:menuitem_id>/beeindigen/", menu_item_deactivate_view, name="deactivate"),
]
