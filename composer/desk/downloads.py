"""A table handed to the person as a file: CSV or .xlsx as composer/exports.py writes it, never cached."""

from __future__ import annotations

from starlette.responses import Response

TYPES = {"csv": "text/csv; charset=utf-8", "html": "text/html; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def download(data: bytes, filename: str) -> Response:
    kind = filename.rsplit(".", 1)[-1]
    return Response(data, media_type=TYPES.get(kind, "application/octet-stream"),
                    headers={"content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store"})
