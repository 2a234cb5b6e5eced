"""Pieces of single ``dumpsys package`` / ``pm list packages`` lines: numbers, flags, pairs, permissions."""

from __future__ import annotations

from auditor.model import PermissionState


def _int(text: str) -> int | None:
    """``int(text)`` or ``None``; bounded so a hostile 5,000-digit string never reaches ``int``."""
    text = text.strip()
    if not text or len(text) > 24:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _bool(text: str) -> bool | None:
    if text == "true":
        return True
    if text == "false":
        return False
    return None


def _flag_list(value: str) -> tuple[str, ...]:
    """``[ A B C ]`` (application flags, every version) or ``[ A|B|C]`` (permission flags).

    Android 7 prints permission flags with spaces too (``[ SYSTEM_FIXED GRANTED_BY_DEFAULT ]``), so
    both separators are accepted everywhere. Unknown bits print as decimal and stay as that text.
    """
    return tuple(value.strip().strip("[]").replace("|", " ").split())


def _pairs(text: str) -> tuple[list[tuple[str, str]], bool]:
    """``k=v k=v …`` into pairs; a word without ``=`` continues the previous value.

    Values can hold spaces: Android 9 prints ``dialogInfo=SuspendDialogInfo: {…}`` on the User line
    of a suspended app, and a date is ``yyyy-MM-dd HH:mm:ss``. The flag is False when words came
    before any pair (nothing to attach them to).
    """
    pairs: list[tuple[str, str]] = []
    clean = True
    for word in text.split():
        key, eq, value = word.partition("=")
        if eq and key.isidentifier():
            pairs.append((key, value))
        elif pairs:
            last_key, last_value = pairs[-1]
            pairs[-1] = (last_key, f"{last_value} {word}")
        else:
            clean = False
    return pairs, clean


def _perm_line(text: str) -> tuple[PermissionState, int | None] | None:
    """``name: granted=true[, flags=[ A|B]][, userId=10]`` or ``None`` when it is not one.

    The ``userId=`` suffix appears on install permissions only, for a user whose state differs from
    user 0 (Android 12+, dumpInstallPermissionsLPr).
    """
    name, sep, rest = text.partition(": granted=")
    if not sep or not name or " " in name:
        return None
    if rest.startswith("true"):
        granted, tail = True, rest[4:]
    elif rest.startswith("false"):
        granted, tail = False, rest[5:]
    else:
        return None
    flags: tuple[str, ...] = ()
    user: int | None = None
    if tail:
        if tail[0] != ",":
            return None
        start = tail.find("flags=[")
        if start != -1:
            close = tail.find("]", start)
            if close == -1:
                return None
            flags = _flag_list(tail[start + 6 : close + 1])
            tail = tail[close + 1 :]
        if tail:
            key, eq, value = tail.lstrip(", ").partition("=")
            user = _int(value) if key == "userId" and eq else None
            if user is None:
                return None
    return PermissionState(name, granted, flags), user


def _shared_user_name(value: str) -> str:
    """``SharedUserSetting{cb92b86 android.uid.system/1000}`` → ``android.uid.system``."""
    open_at = value.find("{")
    close_at = value.rfind("}")
    if open_at == -1 or close_at < open_at:
        return value
    inner = value[open_at + 1 : close_at]
    inner = inner.split(" ", 1)[1] if " " in inner else inner
    return inner.rpartition("/")[0] or inner


def _block_name(text: str, prefix: str) -> str | None:
    """``Package [com.x] (1a2b):`` → ``com.x`` (the hash is an identity hash, of no use)."""
    close = text.rfind("]")
    if not text.startswith(prefix) or close <= len(prefix):
        return None
    return text[len(prefix) : close]
