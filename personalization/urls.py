from django.contrib.auth.views import LogoutView
from django.urls import path

from personalization import views

app_name = "personalization"

urlpatterns = [
    path("", views.home, name="home"),
    path("profiles/", views.profile_picker, name="picker"),
    path("profiles/all/", views.profile_browse, name="browse"),
    path("profiles/new/", views.profile_new, name="profile_new"),
    path("profiles/<int:pk>/select/", views.profile_select, name="profile_select"),
    path("profiles/<int:pk>/seen/", views.impressions_seen, name="seen"),
    path("rows/<str:page_view_id>/<int:index>/", views.row_fragment, name="row"),
    path("rows/<str:page_view_id>/<int:first>-<int:last>/", views.rows_fragment, name="rows"),
    path("title/<int:pk>/", views.title_detail, name="title_detail"),
    path("title/<int:pk>/open/", views.title_open, name="title_open"),
    path("title/<int:pk>/action/", views.title_action, name="title_action"),
    path("onboarding/", views.onboarding, name="onboarding"),
    path("context/", views.context_override, name="context"),
    path("compare/", views.compare, name="compare"),
    path("signout/", LogoutView.as_view(next_page="personalization:picker"), name="signout"),
    path("insights/artwork/", views.insights, name="insights"),
    path("insights/artwork/<int:pk>/", views.insights_title, name="insights_title"),
    path("insights/experiments/", views.experiments, name="experiments"),
    path("insights/experiments/<slug:name>/", views.experiment, name="experiment"),
    path("insights/experiments/<slug:name>/analyse/", views.experiment_analyse, name="experiment_analyse"),
    path("insights/experiments/<slug:name>/results.csv", views.experiment_csv, name="experiment_csv"),
]
