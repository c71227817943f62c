"""Check the shape of a Telegram update before python-telegram-bot reads it.

PTB's ``de_json`` does not check types: a ``text`` that is a number, a callback ``data`` that
is an object, or a ``message`` without ``chat`` became a ``Message`` that failed later, in the
middle of a turn, on every retry. Here each field we use is checked; a wrong optional field is
dropped (the reporter is then answered as for a message without text), and a message we could
not even answer (no chat) is dropped whole.
"""

from __future__ import annotations

from typing import Any

_MESSAGE_KEYS = ("message", "edited_message", "channel_post", "edited_channel_post")
_FILE_KEYS = ("document", "video", "voice", "audio", "video_note", "animation", "sticker")
_TEXT_KEYS = ("text", "caption")


def _is_int(value: object) -> bool:
    return type(value) is int  # bool is an int subclass: refused on purpose


def _is_file(value: object) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("file_id"), str)
        and isinstance(value.get("file_unique_id"), str)
        and (value.get("file_size") is None or _is_int(value.get("file_size")))
    )


def _is_location(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(value.get(k), int | float) and not isinstance(value.get(k), bool)
        for k in ("latitude", "longitude")
    )


def _is_user(value: object) -> bool:
    return isinstance(value, dict) and _is_int(value.get("id"))


def _message(raw: object) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    chat = raw.get("chat")
    if not (
        isinstance(chat, dict) and _is_int(chat.get("id")) and isinstance(chat.get("type"), str)
    ):
        return None
    if not (_is_int(raw.get("message_id")) and _is_int(raw.get("date"))):
        return None
    message = dict(raw)
    for key in _TEXT_KEYS:
        if key in message and not isinstance(message[key], str):
            del message[key]
    for key in ("entities", "caption_entities", "reply_to_message", "pinned_message"):
        message.pop(key, None)  # never used, and each a place for more malformed nesting
    if "from" in message and not _is_user(message["from"]):
        del message["from"]
    for key in _FILE_KEYS:
        if key in message and not _is_file(message[key]):
            del message[key]
    photo = message.get("photo")
    if photo is not None and not (
        isinstance(photo, list)
        and photo
        and all(_is_file(p) and _is_int(p.get("width")) and _is_int(p.get("height")) for p in photo)
    ):
        del message["photo"]
    if "location" in message and not _is_location(message["location"]):
        del message["location"]
    venue = message.get("venue")
    if venue is not None and not (isinstance(venue, dict) and _is_location(venue.get("location"))):
        del message["venue"]
    return message


def _callback(raw: object) -> dict[str, Any] | None:
    if not (isinstance(raw, dict) and isinstance(raw.get("id"), str) and _is_user(raw.get("from"))):
        return None
    query = dict(raw)
    if not isinstance(query.get("chat_instance"), str):
        query["chat_instance"] = ""
    if "data" in query and not isinstance(query["data"], str):
        query["data"] = ""  # answered like an unknown button
    if "message" in query:
        message = _message(query["message"])
        if message is None:
            del query["message"]
        else:
            query["message"] = message
    return query


def well_formed(data: object) -> dict[str, Any] | None:
    """The update with every field we read of the right type, or None if it is no update."""
    if not isinstance(data, dict) or not _is_int(data.get("update_id")):
        return None
    update = dict(data)
    for key in _MESSAGE_KEYS:
        if key in update:
            message = _message(update[key])
            if message is None:
                del update[key]
            else:
                update[key] = message
    if "callback_query" in update:
        query = _callback(update["callback_query"])
        if query is None:
            del update["callback_query"]
        else:
            update["callback_query"] = query
    return update
