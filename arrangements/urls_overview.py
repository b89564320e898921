# Budget fit per team and organisation, care-plan deadlines, and the per-client task division
# and evaluation pages; mounted at /budget/ (namespace "budget").
from django.urls import path

from arrangements.views import overview, tasks

app_name = "budget"
urlpatterns = [
    path("", overview.overview, name="overview"),
    path("klant/<int:client_id>/taken/", tasks.tasks, name="tasks"),
    path("klant/<int:client_id>/taken/<int:taskagreement_id>/", tasks.task_edit, name="task_edit"),
    path("klant/<int:client_id>/taken/<int:taskagreement_id>/verwijderen/", tasks.task_remove, name="task_remove"),
    path("klant/<int:client_id>/evaluatie/", tasks.evaluation_create, name="evaluation_create"),
]
