"""Structured request logs: one line per request (funnel_crm.middleware.RequestLogMiddleware)
as JSON or logfmt (LOG_FORMAT), for a log shipper to read without a regular expression."""

import datetime
import json
import logging

REQUEST_LOGGER = "funnel_crm.requests"


class RequestFormatter(logging.Formatter):
    """``time``, ``level`` and the record's ``request_fields`` (user_id, method, path,
    status, duration_ms, queries, slow) as one JSON object or one logfmt line."""

    def __init__(self, style="json"):
        super().__init__()
        self.line_style = style

    def fields(self, record):
        stamp = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
        return {
            "time": stamp.isoformat(timespec="milliseconds"),
            "level": record.levelname,
            **getattr(record, "request_fields", {"message": record.getMessage()}),
        }

    def format(self, record):
        fields = self.fields(record)
        if self.line_style == "json":
            return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
        return " ".join(f"{key}={_logfmt_value(value)}" for key, value in fields.items())


def _logfmt_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if not text or any(char in text for char in ' "=\\') or not text.isprintable():
        return json.dumps(text, ensure_ascii=False)
    return text
