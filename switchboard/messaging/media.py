"""Media files: ``Media/`` uploads, the media of MMS sends (``media_urls`` are fetched when the
message is accepted, so a URL that fails is the sender's 400, and the files are stored with the
message), the media of inbound MMS a carrier hands over by URL (fetched and stored likewise), and
the public ``/media/{media_id}`` URL carriers, handsets and applications read them from."""

import logging
import mimetypes
from datetime import datetime
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.core.errors import NotFoundError, ValidationError
from switchboard.core.ids import new_uuid
from switchboard.messaging.models import Media
from switchboard.messaging.send import MAX_MEDIA, Owner
from switchboard.network.connector import InboundMedia

log = logging.getLogger("switchboard.messaging")
MAX_MEDIA_BYTES = 2 * 1024 * 1024
MAX_MMS_BYTES = 5 * 1024 * 1024
MAX_INBOUND_MMS_BYTES = 7 * 1024 * 1024
MAX_UPLOAD_FILES = 10
FETCH_TIMEOUT = 10.0
ALLOWED_TYPES = ("image/", "audio/", "video/", "text/", "application/pdf", "application/vnd.ms-excel")


def check_type(content_type: str, where: str) -> str:
    kind = content_type.split(";")[0].strip().lower() or "application/octet-stream"
    if not kind.startswith(ALLOWED_TYPES):
        raise ValidationError(f"{where}: media of type {kind} cannot be sent; use an image, audio, video, text or PDF file")
    return kind


def new_media(owner: Owner, content: bytes, content_type: str, file_name: str, now: datetime) -> Media:
    return Media(media_id=new_uuid(), account_id=owner.account_id, sub_account_id=owner.sub_account_id,
                 content_type=content_type, file_name=file_name[:255], size=len(content), content=content, upload_time=now)


async def fetch_media_url(client: httpx.AsyncClient, url: str, budget: int) -> tuple[bytes, str, str]:
    """Download one ``media_urls`` entry: (content, content type, file name). Problems are 400s
    that name the URL (Plivo's error 120 for media too large)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(f"media_urls: {url!r} is not an absolute http(s) URL")
    limit = min(MAX_MEDIA_BYTES, budget)
    try:
        async with client.stream("GET", url, timeout=FETCH_TIMEOUT, follow_redirects=True) as response:
            if response.status_code != 200:
                raise ValidationError(f"media_urls: {url} answered HTTP {response.status_code}; the media could not be fetched")
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise ValidationError(_too_large(url, int(declared), limit))
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise ValidationError(_too_large(url, size, limit))
                chunks.append(chunk)
            content_type = response.headers.get("content-type", "") or (mimetypes.guess_type(parts.path)[0] or "")
    except httpx.HTTPError as exc:
        raise ValidationError(f"media_urls: {url} could not be fetched ({type(exc).__name__})") from None
    name = parts.path.rsplit("/", 1)[-1]
    return b"".join(chunks), check_type(content_type, "media_urls"), name


async def fetch_inbound_media(client: httpx.AsyncClient, urls: tuple[str, ...]) -> tuple[InboundMedia, ...]:
    """The files of an inbound MMS that a carrier handed over as URLs (at most 10, 7 MB in all, as
    Plivo receives). A medium that cannot be fetched is left out and logged: the message itself is
    delivered, as a carrier delivers the rest of an MMS."""
    fetched: list[InboundMedia] = []
    budget = MAX_INBOUND_MMS_BYTES
    for url in urls[:MAX_MEDIA]:
        try:
            content, content_type, name = await fetch_media_url(client, url, budget)
        except ValidationError as exc:
            log.warning("an inbound MMS arrived without one medium: %s", exc.message)
            continue
        budget -= len(content)
        fetched.append(InboundMedia(content_type=content_type, content=content, file_name=name))
    return tuple(fetched)


def _too_large(url: str, size: int, limit: int) -> str:
    return (f"media_urls: {url} is larger than {limit} bytes (at least {size}); each medium may be 2 MB and an MMS 5 MB "
            "(error 120, MMS too large)")


async def owned_media(session: AsyncSession, owner: Owner, media_ids: list[str]) -> list[Media]:
    rows = {row.media_id: row for row in (await session.scalars(select(Media).where(Media.media_id.in_(media_ids)))).all()}
    found = []
    for media_id in media_ids:
        row = rows.get(media_id)
        if row is None or row.account_id != owner.account_id or (owner.sub_account_id and row.sub_account_id != owner.sub_account_id):
            raise ValidationError(f"media_ids: no media {media_id} in this account")
        found.append(row)
    return found


async def get_media(session: AsyncSession, owner: Owner, media_id: str) -> Media:
    row = await session.get(Media, media_id)
    if row is None or row.account_id != owner.account_id or (owner.sub_account_id and row.sub_account_id != owner.sub_account_id):
        raise NotFoundError(f"no media {media_id}")
    return row
