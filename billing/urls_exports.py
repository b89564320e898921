# Finance: exports pages, included by billing/urls.py (namespace "billing").
urlpatterns: list = []
