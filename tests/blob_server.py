"""A storage container behind pytest-httpserver, speaking the Blob REST shapes azure-storage-blob uses.

List Blobs: `GET /<account>/<container>?restype=container&comp=list[&prefix][&marker][&maxresults]`
answers an XML EnumerationResults, `page_size` blobs at a time, with a NextMarker to follow.
Get Blob: `GET /<account>/<container>/<name>` with an `x-ms-range` answers 206 and Content-Range
(the SDK reads in ranges and sends If-Match with the first answer's ETag for the next ones).
A request must carry a SharedKey Authorization header, or a SAS whose `sig` is `SIG` and whose
`sp` grants the operation (l to list, r to read); otherwise 403 with Azure's error codes.

>>> box = BlobContainer(httpserver)                                   # doctest: +SKIP
>>> box.put("exports/x/20230901-20230930/run/part_0_0001.csv", b"...")  # doctest: +SKIP
>>> box.sas_connection_string()                                       # doctest: +SKIP
"""

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from urllib.parse import unquote
from xml.sax.saxutils import escape

from werkzeug import Response

SIG = "c2lnbmF0dXJlLW9mLXRoZS10ZXN0LXNhcw%3D%3D"
KEY = base64.b64encode(b"costbook-test-account-key").decode()


@dataclass
class Blob:
    data: bytes
    modified: datetime

    @property
    def etag(self) -> str:
        return '"0x8D' + hashlib.md5(self.data).hexdigest()[:13].upper() + '"'


class BlobContainer:
    def __init__(self, httpserver, account: str = "account", name: str = "exports", page_size: int = 3):
        self.server, self.account, self.name, self.page_size = httpserver, account, name, page_size
        self.blobs: dict[str, Blob] = {}
        self.calls: list[tuple[str, str]] = []  # ("list", marker) or ("get", "<name> <range>")
        httpserver.expect_request(re.compile(rf"^/{account}/{name}(/.*)?$"), method="GET").respond_with_handler(
            self.answer)

    def put(self, name: str, data: bytes, modified: str = "2023-10-01T00:00:00") -> None:
        self.blobs[name] = Blob(data, datetime.fromisoformat(modified).replace(tzinfo=timezone.utc))

    def endpoint(self) -> str:
        return self.server.url_for(f"/{self.account}")

    def key_connection_string(self) -> str:
        return (f"DefaultEndpointsProtocol=http;AccountName={self.account};AccountKey={KEY};"
                f"BlobEndpoint={self.endpoint()};")

    def sas_connection_string(self, sig: str = SIG, permissions: str = "rl") -> str:
        sas = f"sv=2024-08-04&ss=b&srt=co&sp={permissions}&se=2099-01-01T00:00:00Z&spr=https,http&sig={sig}"
        return f"BlobEndpoint={self.endpoint()};SharedAccessSignature={sas}"

    def downloads(self) -> list[str]:
        return sorted({detail.split(" ")[0] for kind, detail in self.calls if kind == "get"})

    def answer(self, request) -> Response:
        blob = unquote(request.path[len(f"/{self.account}/{self.name}"):].lstrip("/"))
        listing = request.args.get("comp") == "list" and request.args.get("restype") == "container"
        refused = self.refused(request, "l" if listing else "r")
        if refused:
            return refused
        if listing:
            self.calls.append(("list", request.args.get("marker", "")))
            return self.listing(request.args)
        if blob not in self.blobs:
            return error(404, "BlobNotFound", "The specified blob does not exist.")
        return self.get(blob, request)

    def refused(self, request, needs: str) -> Response | None:
        if request.headers.get("Authorization", "").startswith(f"SharedKey {self.account}:"):
            return None
        sig = request.args.get("sig")
        if sig is None or sig != unquote(SIG):
            return error(403, "AuthenticationFailed", "Server failed to authenticate the request. Make sure the "
                         "value of Authorization header is formed correctly including the signature.")
        if needs not in request.args.get("sp", ""):
            return error(403, "AuthorizationPermissionMismatch",
                         "This request is not authorized to perform this operation using this permission.")
        return None

    def listing(self, args) -> Response:
        prefix, marker = args.get("prefix", ""), args.get("marker", "")
        size = min(int(args.get("maxresults", 5000)), self.page_size)
        names = [n for n in sorted(self.blobs) if n.startswith(prefix) and n >= marker]
        page, rest = names[:size], names[size:]
        items = "".join(
            f"<Blob><Name>{escape(n)}</Name><Properties>"
            f"<Creation-Time>{http_date(self.blobs[n].modified)}</Creation-Time>"
            f"<Last-Modified>{http_date(self.blobs[n].modified)}</Last-Modified><Etag>{self.blobs[n].etag}</Etag>"
            f"<Content-Length>{len(self.blobs[n].data)}</Content-Length>"
            f"<Content-Type>application/octet-stream</Content-Type><BlobType>BlockBlob</BlobType>"
            f"<AccessTier>Hot</AccessTier><LeaseStatus>unlocked</LeaseStatus><LeaseState>available</LeaseState>"
            f"<ServerEncrypted>true</ServerEncrypted></Properties><OrphanedProperties /></Blob>" for n in page)
        body = (f'<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="{self.endpoint()}/" '
                f'ContainerName="{self.name}"><Prefix>{escape(prefix)}</Prefix><Marker>{escape(marker)}</Marker>'
                f"<MaxResults>{size}</MaxResults><Blobs>{items}</Blobs>"
                f"<NextMarker>{escape(rest[0]) if rest else ''}</NextMarker></EnumerationResults>")
        return Response(body, status=200, headers=common(), content_type="application/xml")

    def get(self, name: str, request) -> Response:
        blob = self.blobs[name]
        wanted = request.headers.get("x-ms-range") or request.headers.get("Range")
        self.calls.append(("get", f"{name} {wanted or 'all'}"))
        if request.headers.get("If-Match") not in (None, blob.etag):
            return error(412, "ConditionNotMet", "The condition specified using HTTP conditional header(s) is not met.")
        headers = common() | {"Last-Modified": http_date(blob.modified), "ETag": blob.etag,
                              "x-ms-blob-type": "BlockBlob", "x-ms-creation-time": http_date(blob.modified),
                              "Accept-Ranges": "bytes", "x-ms-server-encrypted": "true",
                              "x-ms-lease-state": "available", "x-ms-lease-status": "unlocked"}
        if not wanted:
            return Response(blob.data, status=200, headers=headers, content_type="application/octet-stream")
        start, end = (int(x) if x else None for x in wanted.removeprefix("bytes=").split("-"))
        if start >= len(blob.data):
            return error(416, "InvalidRange", "The range specified is invalid for the current size of the resource.")
        end = min(end if end is not None else len(blob.data) - 1, len(blob.data) - 1)
        headers["Content-Range"] = f"bytes {start}-{end}/{len(blob.data)}"
        return Response(blob.data[start:end + 1], status=206, headers=headers, content_type="application/octet-stream")


def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def common() -> dict:
    return {"x-ms-request-id": "00000000-0000-0000-0000-000000000000", "x-ms-version": "2026-02-06",
            "Date": http_date(datetime.now(timezone.utc))}


def error(status: int, code: str, message: str) -> Response:
    body = (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code><Message>{message}\n'
            f"RequestId:00000000-0000-0000-0000-000000000000\nTime:{datetime.now(timezone.utc).isoformat()}"
            f"</Message></Error>")
    return Response(body, status=status, headers=common() | {"x-ms-error-code": code}, content_type="application/xml")
