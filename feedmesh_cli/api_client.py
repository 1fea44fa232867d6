"""The public REST API (shared/api/public-rest-contract.md) through the gateway, for the user commands: one method per
route the CLI uses, answering the JSON the gateway returned. A failure raises `GatewayUnreachable` or `ApiError`
(feedmesh_cli/api_errors.py), never an httpx exception."""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path
from typing import Any

import httpx

from feedmesh_cli.api_errors import ApiError, GatewayUnreachable, server_message

GATEWAY_URL_VARIABLE = "FEEDMESH_GATEWAY_URL"
Json = dict[str, Any]


def default_gateway_url() -> str:
    """FEEDMESH_GATEWAY_URL, else the local gateway on FEEDMESH_GATEWAY_PORT (stack/defaults.env, the environment
    wins)."""
    if url := os.environ.get(GATEWAY_URL_VARIABLE, ""):
        return url
    from stack.settings import load_settings

    return f"http://127.0.0.1:{load_settings()['FEEDMESH_GATEWAY_PORT']}"


def _retry_after(headers: httpx.Headers) -> int | None:
    for name in ("retry-after", "x-ratelimit-reset"):
        value = headers.get(name, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return None


class FeedmeshApi:
    """One HTTP client per command; `token` is the saved session's access token (None for the public routes)."""

    def __init__(
        self,
        gateway_url: str,
        token: str | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,  # tests answer from a function (httpx.MockTransport)
    ):
        self.gateway_url = gateway_url.rstrip("/")
        headers = {"authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=self.gateway_url, headers=headers, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> FeedmeshApi:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _send(self, method: str, url: str, *, http: httpx.Client | None = None, **kwargs: Any) -> httpx.Response:
        try:
            return (http or self._http).request(method, url, **kwargs)
        except (httpx.TransportError, httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise GatewayUnreachable(self.gateway_url, str(exc) or type(exc).__name__) from None

    def _call(self, method: str, path: str, *, body: Json | None = None, params: Json | None = None) -> Json:
        reply = self._send(method, path, json=body, params={k: v for k, v in (params or {}).items() if v})
        try:
            answer = reply.json()
        except ValueError:
            answer = None
        if reply.status_code >= 400:
            raise ApiError(reply.status_code, server_message(answer, reply.text), _retry_after(reply.headers))
        if not isinstance(answer, dict):
            raise ApiError(reply.status_code, f"the answer is not the API's JSON: is {self.gateway_url} the gateway?")
        return answer

    # accounts and sessions (public)
    def create_user(self, handle: str, password: str, display_name: str, private: bool) -> Json:
        body = {"handle": handle, "password": password, "displayName": display_name, "private": private}
        return self._call("POST", "/v1/users", body=body)

    def create_session(self, handle: str, password: str) -> Json:
        return self._call("POST", "/v1/sessions", body={"handle": handle, "password": password})

    # posts and media
    def upload_media(self, file: Path) -> str:
        """Asks for an upload URL, PUTs the file's bytes there, and answers the media ref a post may carry."""
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        data = file.read_bytes()
        upload = self._call("POST", "/v1/media", body={"contentType": content_type, "sizeBytes": len(data)})
        # a presigned URL: the bytes go without the session's Authorization header, which the store would refuse
        with httpx.Client(timeout=self._http.timeout) as store:
            put = self._send(
                "PUT", upload["uploadUrl"], http=store, content=data, headers={"content-type": content_type}
            )
        if put.status_code >= 400:
            raise ApiError(put.status_code, f"the upload of {file.name} was refused: {put.text.strip()[:200]}")
        return str(upload["mediaRef"])

    def create_post(self, text: str, media_refs: list[str], visibility: str) -> Json:
        return self._call("POST", "/v1/posts", body={"text": text, "mediaRefs": media_refs, "visibility": visibility})

    # reads
    def feed(self, limit: int, cursor: str, mode: str) -> Json:
        return self._call("GET", "/v1/feed", params={"limit": limit, "cursor": cursor, "mode": mode})

    def notifications(self, limit: int, cursor: str) -> Json:
        return self._call("GET", "/v1/notifications", params={"limit": limit, "cursor": cursor})

    # the graph and engagement
    def follow(self, user_id: int) -> Json:
        return self._call("POST", f"/v1/users/{user_id}/follow")

    def unfollow(self, user_id: int) -> Json:
        return self._call("DELETE", f"/v1/users/{user_id}/follow")

    def like(self, post_id: int) -> Json:
        return self._call("POST", f"/v1/posts/{post_id}/like")

    def unlike(self, post_id: int) -> Json:
        return self._call("DELETE", f"/v1/posts/{post_id}/like")
