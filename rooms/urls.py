from django.urls import path, re_path

from . import views

app_name = "rooms"

# The same shape as the WebSocket route: anything else is a plain 404, not a code lookup.
CODE = r"(?P<code>[A-Za-z0-9]{1,12})"

urlpatterns = [
    path("", views.home, name="home"),
    path("rooms/new", views.room_create, name="create"),
    path("rooms/", views.room_list, name="list"),
    path("rooms/feed", views.room_list_feed, name="list_feed"),
    path("join", views.room_join, name="join"),
    re_path(rf"^r/{CODE}/?$", views.join_by_link, name="join_link"),
    re_path(rf"^rooms/{CODE}/$", views.lobby, name="lobby"),
    re_path(rf"^rooms/{CODE}/play$", views.play, name="play"),
    re_path(rf"^rooms/{CODE}/leave$", views.leave, name="leave"),
    re_path(rf"^rooms/{CODE}/claim$", views.claim, name="claim"),
    re_path(rf"^rooms/{CODE}/unblock$", views.unblock, name="unblock"),
]
