# Budget fit per team and organisation, care-plan deadlines; mounted at /budget/ (namespace "budget").
app_name = "budget"
urlpatterns: list = []
