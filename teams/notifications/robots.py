"""Team chat robots: 企业微信 (WeCom), 钉钉 (DingTalk) and 飞书 (Feishu) group
webhooks. Each platform's message shape and, where it has one, its signature
scheme as documented by the platform:

- WeCom group robot: POST JSON ``{"msgtype": "markdown", "markdown": {"content"}}``
  to the webhook URL (its ``key`` is the secret); success is ``errcode == 0``.
- DingTalk custom robot with "加签": ``timestamp`` in milliseconds,
  ``sign = urlencode(base64(HmacSHA256(key=secret, msg=f"{timestamp}\\n{secret}")))``
  added to the URL as ``&timestamp=…&sign=…``; success is ``errcode == 0``.
- Feishu custom bot with signature verification: ``timestamp`` in seconds,
  ``sign = base64(HmacSHA256(key=f"{timestamp}\\n{secret}", msg=b""))`` sent in
  the JSON body beside ``msg_type``/``content``; success is ``code == 0``.
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

TIMEOUT_SECONDS = 5


class RobotError(Exception):
    """The robot did not take the message (network, HTTP status, platform error code)."""


def check_webhook_url(platform: str, url: str) -> None:
    """Only http(s) URLs with a host; a clear error naming the field otherwise."""
    try:
        URLValidator(schemes=["http", "https"])(url or "")
    except ValidationError:
        raise ValidationError({"url": _("Enter the robot's webhook address, starting with https://.")}) from None


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    key = f"{timestamp_s}\n{secret}".encode()
    digest = hmac.new(key, b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def build_request(platform: str, url: str, secret: str, *, title: str, text: str, link: str, now=None):
    """(url, JSON body) for one message: a title, a few lines and a link that opens the record."""
    now = time.time() if now is None else now
    open_label = _("Open")
    markdown = f"**{title}**\n\n{text}\n\n[{open_label}]({link})" if link else f"**{title}**\n\n{text}"
    if platform == "wecom":
        return url, {"msgtype": "markdown", "markdown": {"content": markdown}}
    if platform == "dingtalk":
        if secret:
            timestamp = int(now * 1000)
            sign = urllib.parse.quote_plus(dingtalk_sign(secret, timestamp))
            url = f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"
        return url, {"msgtype": "markdown", "markdown": {"title": title, "text": markdown}}
    if platform == "feishu":
        body = {
            "msg_type": "post",
            "content": {
                "post": {
                    "zh_cn": {
                        "title": title,
                        "content": [
                            [{"tag": "text", "text": text}],
                            *([[{"tag": "a", "text": _("Open"), "href": link}]] if link else []),
                        ],
                    }
                }
            },
        }
        if secret:
            timestamp = int(now)
            body = {"timestamp": str(timestamp), "sign": feishu_sign(secret, timestamp), **body}
        return url, body
    raise RobotError(f"unknown platform {platform!r}")


def post(platform: str, url: str, secret: str, *, title: str, text: str, link: str) -> None:
    """Send one message; raise RobotError unless the platform says it took it."""
    target, body = build_request(platform, url, secret, title=title, text=text, link=link)
    request = urllib.request.Request(  # noqa: S310 (http(s) only: check_webhook_url)
        target,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (http(s) only: checked)
            answer = response.read(64_000)
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise RobotError(f"{type(error).__name__}: {error}") from error
    try:
        payload = json.loads(answer or b"{}")
    except ValueError as error:
        raise RobotError("the robot answered something that is not JSON") from error
    code = payload.get("errcode", payload.get("code", payload.get("StatusCode", 0)))
    if code not in (0, "0"):
        raise RobotError(f"the robot refused the message: {payload.get('errmsg') or payload.get('msg') or code}")
