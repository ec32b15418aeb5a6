"""The invite QR code: the join link as a server-rendered SVG (segno).

No script and no style attribute or element (presentation attributes only), so the strict
CSP holds. Error correction M survives a phone camera across a room; the quiet zone of 4
modules is what scanners expect. The SVG has no fixed size: CSS makes it large.
"""

from __future__ import annotations

import io

import segno
from django.utils.safestring import SafeString, mark_safe


def invite_qr_svg(url: str) -> SafeString:
    qr = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    # Our own attribute values only (no user text goes into the SVG), so marking it safe is sound.
    qr.save(
        out,
        kind="svg",
        border=4,
        dark="#000",
        light="#fff",
        xmldecl=False,
        svgns=True,
        omitsize=True,
        svgclass="qr__svg",
        lineclass=None,
    )
    return mark_safe(out.getvalue().decode("ascii"))  # noqa: S308
