# Finance: tariff tables and contracts, mounted at /financien/ (namespace "billing").
app_name = "billing"
urlpatterns: list = []
