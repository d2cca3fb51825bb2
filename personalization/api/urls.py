from django.urls import path

from personalization.api import views

urlpatterns = [
    path("auth/token/", views.TokenApi.as_view(), name="api-token"),
    path("profiles/", views.ProfileListApi.as_view(), name="api-profiles"),
    path("profiles/<int:pk>/homepage/", views.HomepageApi.as_view(), name="api-homepage"),
    path(
        "profiles/<int:pk>/homepage/<str:page_view_id>/rows/<int:index>/",
        views.HomepageRowApi.as_view(),
        name="api-homepage-row",
    ),
    path(
        "profiles/<int:pk>/homepage/<str:page_view_id>/rows/<int:first>-<int:last>/",
        views.HomepageRowsApi.as_view(),
        name="api-homepage-rows",
    ),
    path("profiles/<int:pk>/events/", views.EventCreateApi.as_view(), name="api-events"),
    path("profiles/<int:pk>/events/batch/", views.EventBatchApi.as_view(), name="api-events-batch"),
    path("profiles/<int:pk>/seen/", views.SeenApi.as_view(), name="api-seen"),
    path("titles/", views.TitleListApi.as_view(), name="api-titles"),
    path("titles/<int:pk>/", views.TitleDetailApi.as_view(), name="api-title"),
]
