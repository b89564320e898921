# Finance: declarations pages, included by billing/urls.py (namespace "billing").
urlpatterns: list = []
