# Finance: the overview and the daily-run ledger, included by billing/urls.py (namespace "billing",
# mounted at /financien/).
from django.urls import path

from billing.views.overview import overview
from billing.views.runs import run_list

urlpatterns = [
    path("", overview, name="overview"),
    path("dagrun/", run_list, name="runs"),
]
