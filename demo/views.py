"""The demo games' pages and their small JSON endpoints. Thin: parse, call a service, answer.

The game pages are static shells: everything player-specific comes from the launch
parameters (read by the browser SDK) and the room socket. The JSON endpoints are
authenticated by the player's session token in the body, never by cookies, exactly
like an external game's server would be; that is also why they need no CSRF token
(CSRF rides on ambient cookies, and these endpoints ignore cookies).
"""

from __future__ import annotations

import json
import logging

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from gamebuddies.errors import (
    GameBuddiesError,
    PayloadTooLargeError,
    ValidationError,
    as_platform_error,
    error_response,
)
from gamebuddies.limits import DEMO_GAMES_RATE
from gamebuddies.ratelimits import client_ip, hit

from . import quiz_services, services

logger = logging.getLogger(__name__)


def _game_page(request, rules, template: str):
    urls = {
        "results": reverse("demo:results", kwargs={"game": rules.SLUG}),
        "check": reverse("demo:check", kwargs={"game": rules.SLUG}),
    }
    if rules.SLUG == "quiz":
        urls.update(questions=reverse("demo:quiz-questions"), answer=reverse("demo:quiz-answer"))
    context = {"game_name": rules.NAME, "config": {**rules.client_config(), "urls": urls}}
    response = render(request, template, context)
    # The launch URL carries the session token: never send it onwards in a Referer.
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@require_GET
def reaction_page(request):
    return _game_page(request, services.rules_for("reaction"), "demo/reaction.html")


@never_cache
@require_GET
def quiz_page(request):
    return _game_page(request, services.rules_for("quiz"), "demo/quiz.html")


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        raise ValidationError("Send a JSON object", field="body") from None
    except Exception as exc:  # RequestDataTooBig
        raise PayloadTooLargeError() from exc
    if not isinstance(body, dict):
        raise ValidationError("Send a JSON object", field="body")
    return body


def _endpoint(action):
    """Run a service call for a JSON endpoint; every error is the platform's envelope."""

    @csrf_exempt
    @require_POST
    def view(request, game: str):
        try:
            hit(group="demo-games", value=client_ip(request), rate=DEMO_GAMES_RATE)
            body = _json_body(request)
            answer = action(game=game, body=body)
        except GameBuddiesError as exc:
            return error_response(exc, request)
        except Exception as exc:
            logger.exception("demo game endpoint failed")
            return error_response(as_platform_error(exc), request)
        return JsonResponse(answer if isinstance(answer, dict) else answer.as_json())

    return view


submit_result = _endpoint(
    lambda *, game, body: services.result_submit(
        game=game, session_token=body.get("sessionToken"), room_code=body.get("roomCode"), payload=body
    )
)
check_game = _endpoint(
    lambda *, game, body: services.result_check(
        game=game, session_token=body.get("sessionToken"), room_code=body.get("roomCode")
    )
)


def _quiz_answer(*, game, body):
    outcome, feedback = quiz_services.quiz_answer(
        session_token=body.get("sessionToken"),
        room_code=body.get("roomCode"),
        index=body.get("index"),
        choice=body.get("choice"),
        time_ms=body.get("timeMs"),
    )
    return {**outcome.as_json(), "feedback": feedback}


quiz_questions = _endpoint(
    lambda *, game, body: quiz_services.quiz_questions(
        session_token=body.get("sessionToken"), room_code=body.get("roomCode")
    )
)
quiz_answer = _endpoint(_quiz_answer)
