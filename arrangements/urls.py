# Per-client arrangement pages, mounted at /clienten/<client_id>/arrangement/ (namespace "arrangements").
app_name = "arrangements"
urlpatterns: list = []
