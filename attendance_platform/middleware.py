"""Idle sign-out (ASVS 7.3.1): a session unused for SESSION_IDLE_TIMEOUT seconds ends, on top
of the absolute SESSION_COOKIE_AGE."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

LAST_SEEN = "last_seen"
# Recording every request would write the session row each time; once a minute is enough to
# keep an active session alive.
REFRESH_AFTER = 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(LAST_SEEN, now)
            if now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                # The next check (login_required, the tenant middleware) sends them to sign in.
                logout(request)
            elif now - last_seen >= REFRESH_AFTER or LAST_SEEN not in request.session:
                request.session[LAST_SEEN] = now
        return self.get_response(request)
