"""Visit and employee API routes, included at /api/v1/ (namespace "api-v1")."""

from django.urls import path

from teams import apis

urlpatterns = [
    path("visits/", apis.VisitListApi.as_view(), name="visit_list"),
    path("visits/<int:visit_id>/", apis.VisitDetailApi.as_view(), name="visit_detail"),
    path("visits/<int:visit_id>/cancel/", apis.VisitCancelApi.as_view(), name="visit_cancel"),
    path("visits/<int:visit_id>/history/", apis.VisitHistoryApi.as_view(), name="visit_history"),
    path("employees/", apis.EmployeeListApi.as_view(), name="employee_list"),
]
