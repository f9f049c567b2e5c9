"""Who a vendor's record is about: the clinic's directory of patients, and pseudonyms.

A phone number or an e-mail address never becomes a ``patient_id``. The directory (a CSV
with ``patient_id``, ``phone`` and optionally ``email``) gives the clinic's id; a number or
address not in it gets a pseudonymous id, a keyed hash (HMAC-SHA256) of its normalised
form, stable across imports under the same key and meaningless without it. The key comes
from the configuration (``import_key``) or ``$ANALYTICS_IMPORT_KEY`` and is never written.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from analytics.errors import UsageError

PSEUDONYM_PREFIX = "anon-"
_PREFIXES = ("whatsapp:", "tel:", "sms:", "mms:")


def e164(text: str | None) -> str | None:
    """A phone number in E.164 (``+13105550123``) from any common US or international
    spelling (``(310) 555-0123``, ``310.555.0123``, ``1-310-555-0123``, ``+1 310 555
    0123``, ``whatsapp:+1...``); a short code (3 to 6 digits) as its digits; else None."""
    if not text:
        return None
    t = text.strip().lower()
    for prefix in _PREFIXES:
        if t.startswith(prefix):
            t = t[len(prefix) :].strip()
    digits = re.sub(r"\D", "", t)
    if t.startswith("+"):
        return "+" + digits if 8 <= len(digits) <= 15 else None
    if t.startswith("00") and 10 <= len(digits) - 2 <= 15:  # an international prefix
        return "+" + digits[2:]
    if len(digits) == 10:
        return "+1" + digits
    if len(digits) == 11 and digits.startswith("1"):
        return "+" + digits
    if 3 <= len(digits) <= 6:
        return digits
    return None


def phone_like(text: str) -> bool:
    """Whether a text is written as a phone number (digits, spaces, + ( ) . -, a
    ``whatsapp:`` prefix), not an id that holds digits (``MG9f...``)."""
    t = text.strip().lower()
    for prefix in _PREFIXES:
        if t.startswith(prefix):
            t = t[len(prefix) :]
    return bool(re.fullmatch(r"[+\d\s().-]+", t)) and any(ch.isdigit() for ch in t)


def email_key(text: str | None) -> str | None:
    """An e-mail address as compared: trimmed, lower case."""
    found = (text or "").strip().lower()
    return found if "@" in found else None


@dataclass
class Directory:
    """The clinic's patients by phone (E.164) and by e-mail, and the pseudonyms given."""

    by_phone: dict[str, str] = field(default_factory=dict)
    by_email: dict[str, str] = field(default_factory=dict)
    key: bytes | None = None
    pseudonyms: dict[str, str] = field(default_factory=dict)  # kind:value -> id, this import

    def patient(self, kind: str, raw: str | None) -> tuple[str | None, bool]:
        """The patient id for a phone or e-mail (``kind``), and whether it is a pseudonym;
        (None, False) when there is no value to look up."""
        value = e164(raw) if kind == "phone" else email_key(raw)
        if value is None:
            return None, False
        known = (self.by_phone if kind == "phone" else self.by_email).get(value)
        if known is not None:
            return known, False
        return self.pseudonym(kind, value), True

    def pseudonym(self, kind: str, value: str) -> str:
        """The keyed hash of a normalised phone or e-mail: the same under the same key."""
        if self.key is None:
            what = "a record's id" if kind == "id" else f"a {kind} not in the directory"
            raise UsageError(
                f"{what} needs a pseudonymous id, and no key is set: "
                "set import_key in analytics.toml or $ANALYTICS_IMPORT_KEY (a long random "
                "secret, kept the same for every import), or add the patient to --directory"
            )
        name = f"{kind}:{value}"
        if name not in self.pseudonyms:
            digest = hmac.new(self.key, name.encode("utf-8"), hashlib.sha256).hexdigest()
            self.pseudonyms[name] = (PSEUDONYM_PREFIX if kind != "id" else "") + digest[:20]
        return self.pseudonyms[name]


def read_directory(path: Path | None, key: str | None) -> Directory:
    """The directory CSV (``patient_id``, ``phone``, optionally ``email``); a phone or
    e-mail given to two patients is refused naming both lines."""
    directory = Directory(key=key.encode("utf-8") if key else None)
    if path is None:
        return directory
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise UsageError(f"cannot read --directory {path}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"--directory {path} is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    names = {(h or "").strip().lower(): h for h in reader.fieldnames or []}
    if "patient_id" not in names or not ({"phone", "email"} & set(names)):
        raise UsageError(
            f"--directory {path} line 1: its header needs patient_id and phone (or email); "
            f"it has {', '.join(reader.fieldnames or []) or 'nothing'}"
        )
    seen: dict[str, tuple[str, int]] = {}
    for row in reader:
        line = reader.line_num
        patient = (row.get(names["patient_id"]) or "").strip()
        if not patient:
            raise UsageError(f"--directory {path} line {line}: no patient_id")
        for kind, normalise, table in (
            ("phone", e164, directory.by_phone),
            ("email", email_key, directory.by_email),
        ):
            raw = row.get(names[kind]) if kind in names else None
            if not raw or not raw.strip():
                continue
            value = normalise(raw)
            if value is None:
                raise UsageError(f"--directory {path} line {line}: {raw!r} is not a {kind}")
            other = seen.get(f"{kind}:{value}")
            if other is not None and other[0] != patient:
                raise UsageError(
                    f"--directory {path} line {line}: {kind} {raw.strip()} is patient "
                    f"{patient}'s and, on line {other[1]}, patient {other[0]}'s: one {kind}, "
                    "one patient"
                )
            seen[f"{kind}:{value}"] = (patient, line)
            table[value] = patient
    return directory
