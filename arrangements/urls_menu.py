# The organisation's menu card, mounted at /menukaart/ (namespace "menu").
app_name = "menu"
urlpatterns: list = []
