from django.urls import path

from vpt.tenancy import views

app_name = "tenancy"
urlpatterns = [
    path("wissel/<int:membership_id>/", views.switch_organization, name="switch"),
    path("leden/", views.member_list, name="member_list"),
    path("leden/<int:membership_id>/", views.member_detail, name="member_detail"),
]
