from django.urls import path

from . import views

urlpatterns = [
    path("healthz", views.healthz),
    path("api/v2/rooms/<str:code>/players/<str:player_id>/status", views.status),
]
