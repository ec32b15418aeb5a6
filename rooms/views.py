"""The player pages: home, join by link, lobby, game launch, leave.

Thin views: parse a form, call a service or selector, render. Every state change is a
POST (CSRF-protected); GETs only read. Every room-code lookup goes through
`_find_room`, which applies the browser's code-guessing limit (and its IP's backstop) before
touching the database, except for a room the browser already holds a seat in.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gamebuddies.actors import Actor
from gamebuddies.errors import (
    ForbiddenError,
    GameBuddiesError,
    InvalidSessionError,
    RateLimitedError,
    RoomClosedError,
    RoomFullError,
    RoomNotFoundError,
    error_response,
)
from gamebuddies.ratelimits import browser_id_from_request, client_ip, hit
from players import cookies
from players.avatars import AVATARS, avatar_choices, colour_choices, default_colour
from players.blocks import kick_block_check, kick_blocks_active
from players.claims import ClaimInvalidError, claim_peek, claim_redeem
from players.selectors import session_get_active

from . import services
from .forms import CreateRoomForm, JoinByLinkForm, JoinRoomForm
from .launch import build_launch_url
from .lookup import room_for_browser
from .models import MemberRole, Room, RoomStatus
from .permissions import require_session_in_room
from .room_list import public_lobbies, public_lobbies_etag
from .selectors import game_list_active, member_get, normalize_room_code, room_snapshot

# Anyone may open a room or take a seat from the pages: that is the product. The seat's
# own session token, not this actor, is what later authorises the player's actions.
PAGE_ACTOR = Actor.visitor(label="lobby-pages")


# -- helpers ---------------------------------------------------------------------
def _find_room(request, code: str) -> Room:
    """The live room for `code`, counting unknown codes against the browser and its IP."""
    return room_for_browser(
        code=code,
        ip=client_ip(request),
        browser=browser_id_from_request(request),
        seat_token=cookies.tokens_from_request(request).get(normalize_room_code(code)),
    )


def _missing_message(code: str, error: GameBuddiesError) -> str:
    if isinstance(error, RoomClosedError):
        return _("Room %(code)s has closed. Ask for a new code, or create a room of your own.") % {"code": code}
    return _("There is no open room with the code %(code)s. Check the code and try again.") % {"code": code}


def _too_many(request, error: RateLimitedError):
    response = render(request, "errors/429.html", {"retry_after": error.retry_after}, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


def _room_missing(request, code: str, error: GameBuddiesError):
    context = {"code": code.upper()[:12], "message": _missing_message(code.upper()[:12], error)}
    return render(request, "errors/room_missing.html", context, status=error.status)


def _lookup_or_page(request, code: str):
    """(room, None) or (None, an error page) for the page routes."""
    try:
        return _find_room(request, code), None
    except RateLimitedError as exc:
        return None, _too_many(request, exc)
    except (RoomNotFoundError, RoomClosedError) as exc:
        return None, _room_missing(request, code, exc)


def _seated_or_page(request, code: str):
    """(room, session, member, None) for a browser seated in the room; else the page to answer
    with instead: the lookup's error page, or the join form for a browser without a seat."""
    room, error_page = _lookup_or_page(request, code)
    if error_page:
        return None, None, None, error_page
    session, member = _my_seat(request, room)
    if member is None:
        return room, None, None, redirect("rooms:join_link", code=room.room_code)
    return room, session, member, None


def _my_seat(request, room: Room):
    """(session, member) when the player cookie holds a live seat in this room, else (None, None)."""
    token = cookies.tokens_from_request(request).get(room.room_code)
    if not token:
        return None, None
    try:
        session = session_get_active(token=token)
        require_session_in_room(session, room=room)  # a code reused after an old room closed
    except (InvalidSessionError, ForbiddenError):
        return None, None
    member = member_get(room=room, player_id=session.player_id)
    return (session, member) if member is not None else (None, None)


def _with_avatar(player: dict) -> dict:
    """A snapshot player with what the server render of its avatar needs (lobby-view.js does the same)."""
    colour = player["avatarColour"]
    picture = AVATARS.get(player["avatar"] or "")
    return {
        **player,
        "colour": default_colour(player["id"]) if colour is None else colour,
        "emoji": picture[0] if picture else "",
    }


def _absolute(request, path: str) -> str:
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL.rstrip("/") + path
    return request.build_absolute_uri(path)


def _seated(request, seat):
    """Remember the new seat in the signed HttpOnly cookie and go to the lobby."""
    code = seat.room.room_code
    response = redirect("rooms:lobby", code=code)
    cookies.remember(request, response, room_code=code, token=seat.token)
    return response


def _home(request, *, create_form=None, join_form=None, status=200):
    context = {"create_form": create_form or CreateRoomForm(), "join_form": join_form or JoinRoomForm()}
    return render(request, "rooms/home.html", context, status=status)


def _take_seat(request, room: Room, form, rerender):
    """Seat the player (or give their seat back); form errors go to `rerender(status)`."""
    if _my_seat(request, room)[1] is not None:
        return redirect("rooms:lobby", code=room.room_code)  # already seated: same seat back
    role = MemberRole.SPECTATOR if form.cleaned_data.get("spectate") else MemberRole.PLAYER
    try:
        # A party on one Wi-Fi never reaches this; a script filling rooms does (issue 18 #11).
        hit(group="room-join", value=client_ip(request), rate=settings.ROOM_JOIN_RATE)
    except RateLimitedError as exc:
        return _too_many(request, exc)
    try:
        kick_block_check(room=room, held_token=cookies.tokens_from_request(request).get(room.room_code))
        seat = services.room_join(
            room=room,
            display_name=form.cleaned_data["name"],
            actor=PAGE_ACTOR,
            role=role,
            avatar=form.cleaned_data.get("avatar") or None,
            avatar_colour=form.cleaned_data.get("avatar_colour"),
        )
    except RoomFullError:
        message = _("This room is full. You can still join as a spectator and watch.")
        if role == MemberRole.SPECTATOR:
            message = _("This room has all the spectators it can take.")
        form.add_error(None, message)
        return rerender(409)
    except RoomClosedError as exc:
        form.add_error(None, _missing_message(room.room_code, exc))
        return rerender(410)
    except GameBuddiesError as exc:
        form.add_error(None, _(exc.message))  # msgids: gamebuddies/player_messages.py
        return rerender(exc.status)
    return _seated(request, seat)


# -- pages -------------------------------------------------------------------------
@require_GET
def home(request):
    if request.GET.get("rejoin"):
        return _rejoin(request, request.GET["rejoin"])
    return _home(request)


def _rejoin(request, code: str):
    """The original GameBuddies' return link, `/?rejoin=<CODE>&name=<NAME>&fromGame=true`:
    the player's seat back (by cookie, else by name just after the game), then the lobby."""
    from gameapi.compat import rejoin  # the original's rule lives with the compat layer

    room, error_page = _lookup_or_page(request, code)
    if error_page:
        return error_page
    seat = rejoin(
        room=room,
        name=request.GET.get("name", ""),
        cookie_token=cookies.tokens_from_request(request).get(room.room_code),
        from_game=request.GET.get("fromGame") == "true",
    )
    if seat is None:
        return redirect("rooms:join_link", code=room.room_code)
    response = redirect("rooms:lobby", code=room.room_code)
    if seat.new_token:
        cookies.remember(request, response, room_code=room.room_code, token=seat.token)
    return response


@require_POST
def room_create(request):
    form = CreateRoomForm(request.POST)
    if not form.is_valid():
        return _home(request, create_form=form, status=400)
    try:
        hit(group="room-create", value=client_ip(request), rate=settings.ROOM_CREATE_RATE)
    except RateLimitedError as exc:
        return _too_many(request, exc)
    seat = services.room_create(
        host_name=form.cleaned_data["name"],
        actor=PAGE_ACTOR,
        avatar=form.cleaned_data.get("avatar") or None,
        avatar_colour=form.cleaned_data.get("avatar_colour"),
    )
    return _seated(request, seat)


@require_POST
def room_join(request):
    form = JoinRoomForm(request.POST)
    if not form.is_valid():
        return _home(request, join_form=form, status=400)
    code = form.cleaned_data["code"]
    try:
        room = _find_room(request, code)
    except RateLimitedError as exc:
        return _too_many(request, exc)
    except (RoomNotFoundError, RoomClosedError) as exc:
        form.add_error("code", _missing_message(code, exc))
        return _home(request, join_form=form, status=exc.status)
    return _take_seat(request, room, form, lambda status: _home(request, join_form=form, status=status))


@require_http_methods(["GET", "HEAD", "POST"])
def join_by_link(request, code: str):
    room, error_page = _lookup_or_page(request, code)
    if error_page:
        return error_page
    if request.method != "POST":
        if _my_seat(request, room)[1] is not None:
            return redirect("rooms:lobby", code=room.room_code)
        return _join_page(request, room, JoinByLinkForm())
    form = JoinByLinkForm(request.POST)
    if not form.is_valid():
        return _join_page(request, room, form, status=400)
    return _take_seat(request, room, form, lambda status: _join_page(request, room, form, status=status))


def _join_page(request, room: Room, form, status=200):
    snapshot = room_snapshot(room=room)
    context = {"room": room, "form": form, "players": snapshot["players"], "in_game": room.status != RoomStatus.LOBBY}
    return render(request, "rooms/join.html", context, status=status)


@never_cache
@require_GET
def lobby(request, code: str):
    room, session, member, page = _seated_or_page(request, code)
    if page:
        return page
    snapshot = room_snapshot(room=room)
    games = [
        {
            "slug": game.slug,
            "name": game.name,
            "description": game.description,
            "minPlayers": game.min_players,
            "maxPlayers": game.max_players,
            "settingsSchema": game.settings_schema or {},
        }
        for game in game_list_active()
    ]
    join_url = _absolute(request, reverse("rooms:join_link", kwargs={"code": room.room_code}))
    heartbeat_ms = min(settings.HEARTBEAT_INTERVAL_MS, settings.LOBBY_PRESENCE_TIMEOUT_SECONDS * 1000 // 3)
    data = {
        "code": room.room_code,
        "version": snapshot["room"]["version"],
        "state": snapshot,
        "me": {"playerId": str(member.player_id), "role": member.role},
        "games": games,
        "urls": {
            "play": reverse("rooms:play", kwargs={"code": room.room_code}),
            "join": join_url,
        },
        "heartbeatMs": heartbeat_ms,
        "hostGraceSeconds": settings.HOST_GRACE_SECONDS,
    }
    current_game = next((g for g in games if g["slug"] == room.current_game_id), None)
    context = {
        "room": room,
        "me": member,
        "players": [_with_avatar(p) for p in snapshot["players"]],
        "avatar_choices": avatar_choices(),
        "colour_choices": colour_choices(),
        "games": games,
        "current_game": current_game,
        "join_url": join_url,
        "lobby_data": data,
        # Removed players the host may let back in before their block ends (issue 18 #11).
        "removed_players": kick_blocks_active(room=room) if member.is_host else [],
    }
    return render(request, "rooms/lobby.html", context)


@never_cache
@require_GET
def play(request, code: str):
    """Send the player to the running game with their own session token (read from the cookie)."""
    room, session, member, page = _seated_or_page(request, code)
    if page:
        return page
    if room.status == RoomStatus.LOBBY or room.current_game is None:
        return redirect("rooms:lobby", code=room.room_code)
    token = cookies.tokens_from_request(request)[room.room_code]
    url = build_launch_url(
        room.current_game.launch_url,
        room_code=room.room_code,
        player_id=member.player_id,
        session_token=token,
        role=member.role,
        return_url=_absolute(request, reverse("rooms:lobby", kwargs={"code": room.room_code})),
        player_name=member.player.display_name,
        game_type=room.current_game_id,
        game_run_id=room.game_run_id,
    )
    return redirect(url)


@require_POST
def leave(request, code: str):
    room, error_page = _lookup_or_page(request, code)
    if error_page:
        return error_page
    session, member = _my_seat(request, room)
    response = redirect("rooms:home")
    if member is not None:
        actor = Actor.player(player_id=member.player_id, room_id=room.pk)
        try:
            services.room_leave(room=room, player_id=member.player_id, actor=actor)
        except GameBuddiesError as exc:
            messages.error(request, _(exc.message))
            return redirect("rooms:lobby", code=room.room_code)
        messages.info(request, _("You left room %(code)s.") % {"code": room.room_code})
    cookies.forget(request, response, room_code=room.room_code)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def claim(request, code: str):
    """Take a seat issued through the Game API (e.g. the host of an API-created room).

    The link carries a one-time claim code in its fragment (never sent to a server); the page
    posts it back here and it is exchanged, once, for a fresh session token of that seat. A
    browser that already holds a live seat in this room is asked first, and keeps its seat
    unless it chooses to switch: a link can never silently take over someone's seat.
    """
    room, error_page = _lookup_or_page(request, code)
    if error_page:
        return error_page
    if request.method == "GET":
        return render(request, "rooms/claim.html", {"room": room})
    claim_code = request.POST.get("claim", "")
    _session, member = _my_seat(request, room)
    try:
        if member is not None:
            offered = claim_peek(code=claim_code, room=room).player
            if offered.pk != member.player_id and request.POST.get("choice") != "switch":
                if "choice" not in request.POST:  # ask first
                    context = {"room": room, "claim_code": claim_code, "me": member, "offered": offered}
                    return render(request, "rooms/claim.html", context, status=409)
                return redirect("rooms:lobby", code=room.room_code)  # "keep": the default
        issued = claim_redeem(
            code=claim_code,
            room=room,
            seat_exists=lambda player_id: member_get(room=room, player_id=player_id) is not None,
        )
    except ClaimInvalidError as exc:
        if member is not None:  # a stale link changes nothing for a seated browser
            return redirect("rooms:lobby", code=room.room_code)
        return render(request, "rooms/claim.html", {"room": room, "error": _(exc.message)}, status=exc.status)
    response = redirect("rooms:lobby", code=room.room_code)
    cookies.remember(request, response, room_code=room.room_code, token=issued.token)
    return response


@require_POST
def unblock(request, code: str):
    """The host lets a player they removed back in before the block ends (`playerId` posted)."""
    room, _session, member, page = _seated_or_page(request, code)
    if page:
        return page
    try:
        player_id = uuid.UUID(request.POST.get("playerId", ""))
        services.member_unblock(
            room=room, player_id=player_id, actor=Actor.player(player_id=member.player_id, room_id=room.pk)
        )
    except ValueError:
        messages.error(request, _("That is not a player of this room."))
    except GameBuddiesError as exc:
        messages.error(request, _(exc.message))
    return redirect("rooms:lobby", code=room.room_code)


# -- the public room browser (issue 23) -----------------------------------------------
@require_GET
def room_list(request):
    """Public lobbies with a free seat; joining goes through the join page and its limits."""
    rooms = public_lobbies()
    context = {"rooms": rooms, "etag": public_lobbies_etag(rooms), "feed_url": reverse("rooms:list_feed")}
    return render(request, "rooms/room_list.html", context)


@require_GET
def room_list_feed(request):
    """The room browser's live feed: the listing as JSON, 304 while its ETag still matches.

    One query per poll; pages poll every couple of seconds only while they are visible, and
    anything polling faster is slowed per IP (the page skips a refused poll and tries again).
    """
    try:
        hit(group="room-list-feed", value=client_ip(request), rate=settings.ROOM_LIST_FEED_RATE)
    except RateLimitedError as exc:
        return error_response(exc, request)
    rooms = public_lobbies()
    etag = public_lobbies_etag(rooms)
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        response = JsonResponse({"rooms": rooms})
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"  # always revalidate: the 304 is the cheap answer
    return response
