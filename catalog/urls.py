from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("artwork/<int:pk>/<str:kind>.jpg", views.artwork_rendition, name="artwork_rendition"),
]
