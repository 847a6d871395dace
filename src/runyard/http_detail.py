"""What a server said when it refused a request, for the one-line errors of runyard's HTTP clients
(the SDK's remote mode and `runyard.Api` on a server)."""

from __future__ import annotations

import httpx

DETAIL_CHARS = 300  # a refusal's message is one line of an error, not a page


def answer_detail(response: httpx.Response) -> str:
    """The `detail` of a JSON error body (or the body itself), else the start of the text."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:DETAIL_CHARS] or response.reason_phrase
    detail = body.get("detail", body) if isinstance(body, dict) else body
    return detail if isinstance(detail, str) else str(detail)[:DETAIL_CHARS]
