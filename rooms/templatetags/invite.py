from django import template

from ..invite import invite_qr_svg

register = template.Library()


@register.simple_tag
def invite_qr(url: str):
    """{% invite_qr join_url %}: the invite link as an inline SVG QR code."""
    return invite_qr_svg(url)
