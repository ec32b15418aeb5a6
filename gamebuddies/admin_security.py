"""Admin login hardening: per-IP and per-username rate limits, failed logins logged without secrets."""

import logging

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from gamebuddies import ratelimits
from gamebuddies.errors import RateLimitedError, error_response

logger = logging.getLogger("gamebuddies.security")


def admin_login(request, extra_context=None):
    """Django's admin login behind rate limits on POSTs (guessing passwords)."""
    if request.method == "POST":
        ip = ratelimits.client_ip(request)
        username = (request.POST.get("username") or "")[:150].lower()
        try:
            ratelimits.hit(group="admin-login-ip", value=ip, rate=settings.ADMIN_LOGIN_RATE_PER_IP)
            ratelimits.hit(group="admin-login-user", value=username, rate=settings.ADMIN_LOGIN_RATE_PER_USER)
        except RateLimitedError as exc:
            logger.warning("admin login rate limited ip=%s username=%s", ip, username)
            return error_response(exc, request)
    return admin.site.login(request, extra_context)


@receiver(user_login_failed)
def log_failed_login(sender, credentials, request=None, **kwargs):
    # Django already masks the password in `credentials`; log only who and from where.
    ip = ratelimits.client_ip(request) if request is not None else "unknown"
    logger.warning("login failed username=%s ip=%s", str(credentials.get("username", ""))[:150], ip)
