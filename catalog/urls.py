from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("artwork/<int:pk>/<str:kind>.jpg", views.artwork_rendition, name="artwork_rendition"),
    path("artwork/title/<int:pk>/<str:kind>.jpg", views.title_default_art, name="title_default_art"),
]
