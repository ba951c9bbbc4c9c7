"""`canvas_sdk.utils`: the `Http` client and its batch helpers."""

from frontdesk.sdk.utils.http import (
    Http,
    batch_delete,
    batch_get,
    batch_patch,
    batch_post,
    batch_put,
    batch_requests,
)

__all__ = ["Http", "batch_delete", "batch_get", "batch_patch", "batch_post", "batch_put", "batch_requests"]
