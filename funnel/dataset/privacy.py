"""Personal data: find the columns that hold it and replace it with stable pseudonyms.

Names, e-mail addresses and phone numbers of leads are found by header and by content;
e-mail addresses and phone numbers inside other text (notes, subjects) are found by
pattern. Masking replaces each value by a keyed-hash pseudonym (``person-3f9a1c2b``):
the same value always gets the same pseudonym under one key, so counts, joins and
drill-downs still work, and the key never travels with the data.

Sales reps (``owner``) are not masked: they are who the analysis is about.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Sequence

import polars as pl

from funnel.dataset.schema import normalise_header

KEY_ENV = "FUNNEL_MASK_KEY"
_PROCESS_KEY = secrets.token_bytes(32)

_EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
# a phone number: optional +, 7-15 digits with separators; bare digit runs (ids) do not count
_PHONE = r"(?:\+\d[\d\s().\-]{6,20}\d|\(?\d{2,5}\)?[\s.\-]\d[\d\s.\-]{4,16}\d)"
_PHONE_DIGITS = (7, 15)

_NAME_HEADERS = {
    "name", "first name", "last name", "full name", "firstname", "lastname", "fullname",
    "contact name", "contact", "person", "person name", "lead name", "given name",
    "surname", "family name", "vorname", "nachname", "nom", "prenom", "nombre", "apellido",
    "apellidos", "nome", "sobrenome",
}
_NAME_WORDS = ("first name", "last name", "full name", "contact name", "person name")
_EMAIL_WORDS = ("email", "e mail", "mail", "courriel", "correo")
_PHONE_WORDS = ("phone", "mobile", "telephone", "tel", "telefon", "telefone", "telefono",
                "cell", "fax", "whatsapp")
_ADDRESS_WORDS = ("street", "address line", "postal address", "home address", "strasse",
                  "adresse", "direccion", "endereco")
_NEVER = {"lead_id", "deal_id", "owner", "source", "campaign", "stage", "outcome",
          "lost_reason", "created_at"}
_SAMPLE = 500
_IDS = {"lead_id", "deal_id"}  # never rewritten: the keys everything joins on


def _key(key: bytes | str | None) -> bytes:
    if key is None:
        env = os.environ.get(KEY_ENV)
        return env.encode() if env else _PROCESS_KEY
    return key.encode() if isinstance(key, str) else key


def _kind_by_header(column: str) -> str | None:
    h = normalise_header(column)
    words = set(h.split())
    if h in _NAME_HEADERS or any(w in h for w in _NAME_WORDS):
        return "person"
    if any(w in words or w in h.replace(" ", "") for w in ("email", "mail", "courriel",
                                                           "correo")) or "e mail" in h:
        return "email"
    if any(w in words for w in _PHONE_WORDS) or "phone" in h:
        return "phone"
    if any(w in h for w in _ADDRESS_WORDS):
        return "address"
    return None


def _share(values: pl.Series, pattern: str) -> float:
    sample = values.drop_nulls().head(_SAMPLE).cast(pl.String).str.strip_chars()
    sample = sample.filter(sample != "")
    if sample.len() == 0:
        return 0.0
    return float(sample.str.contains(f"^{pattern}$").mean())


def _kind_by_content(values: pl.Series) -> str | None:
    if values.dtype != pl.String:
        return None
    if _share(values, _EMAIL) >= 0.5:
        return "email"
    if _share(values, _PHONE) >= 0.5:
        return "phone"
    return None


_FLAGS = {"yes", "no", "true", "false", "y", "n", "0", "1", "ja", "nein", "oui", "non", "si",
          "sí", "sim", "não"}


def _yes_no(values: pl.Series) -> bool:
    """A yes/no column holds no one's data, whatever its header says."""
    if values.dtype == pl.Boolean:
        return True
    if values.dtype != pl.String:
        return False
    seen = values.drop_nulls().head(_SAMPLE).str.strip_chars().str.to_lowercase().unique()
    return 0 < seen.len() <= 2 and set(seen.to_list()) <= _FLAGS


def personal_columns(frame: pl.DataFrame, *, extra: Sequence[str] = ()) -> dict[str, str]:
    """The columns holding personal data, with their kind.

    Parameters
    ----------
    frame
        Any table (the canonical leads, a raw export).
    extra
        Columns the user marked as personal; kept as kind ``"other"`` unless detected.

    Returns
    -------
    dict
        Column name → ``"person"``, ``"email"``, ``"phone"``, ``"address"`` or
        ``"other"``, in the frame's column order.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> sorted(personal_columns(load_sample().leads).values())
    ['email', 'person', 'person', 'phone']
    """
    out: dict[str, str] = {}
    for col in frame.columns:
        if col.startswith("__") or (col in _NEVER and col not in extra):
            continue  # canonical fields stay readable unless the user marks them
        kind = None if _yes_no(frame[col]) else (
            _kind_by_header(col) or _kind_by_content(frame[col]))  # "Do Not Email": a flag
        if kind is None and col in extra:
            kind = "other"
        if kind is not None:
            out[col] = kind
    return out


def pseudonym(value: str, *, kind: str = "person", key: bytes | str | None = None) -> str:
    """The stable pseudonym of one value (case and outer spaces ignored).

    Examples
    --------
    >>> a = pseudonym("Ann@x.example", kind="email", key="k")
    >>> a == pseudonym(" ann@x.example", kind="email", key="k"), a.startswith("email-")
    (True, True)
    """
    digest = hmac.new(_key(key), value.strip().lower().encode(), hashlib.blake2b).hexdigest()
    return f"{kind}-{digest[:8]}"


def _mask_series(s: pl.Series, kind: str, key: bytes) -> pl.Series:
    text = s.cast(pl.String)
    uniques = text.drop_nulls().unique()
    mapping = {v: pseudonym(v, kind=kind, key=key) for v in uniques.to_list()}
    return text.replace_strict(mapping, default=None, return_dtype=pl.String).alias(s.name)


def _scrub_text(s: pl.Series, key: bytes) -> pl.Series:
    """Replace e-mail addresses and phone numbers found inside free text."""
    if s.dtype != pl.String or s.null_count() == s.len():
        return s

    def one(text: str) -> str:
        text = re.sub(_EMAIL, lambda m: pseudonym(m.group(0), kind="email", key=key), text)
        return re.sub(_PHONE, lambda m: _phone_or_keep(m.group(0), key), text)

    hit = s.str.contains(_EMAIL) | s.str.contains(_PHONE)
    if not hit.fill_null(False).any():
        return s
    fixed = {v: one(v) for v in s.filter(hit.fill_null(False)).unique().to_list()}
    return s.replace(fixed)


def _phone_or_keep(match: str, key: bytes) -> str:
    digits = sum(ch.isdigit() for ch in match)
    lo, hi = _PHONE_DIGITS
    return pseudonym(match, kind="phone", key=key) if lo <= digits <= hi else match


def mask_personal(
    frame: pl.DataFrame,
    *,
    columns: Sequence[str] | dict[str, str] | None = None,
    key: bytes | str | None = None,
    scrub_text: bool = True,
) -> pl.DataFrame:
    """Replace personal values by stable pseudonyms; everything else is unchanged.

    Parameters
    ----------
    frame
        The rows to show or export (mask the rows you show, not the whole table).
    columns
        Columns to mask (a list, or the dict from :func:`personal_columns`); detected
        when ``None``.
    key
        Secret for the keyed hash; default the ``FUNNEL_MASK_KEY`` environment variable,
        else a random key for this process.
    scrub_text
        Also replace e-mail addresses and phone numbers inside every other text column
        (loss reasons, notes, campaign names …), and the names found in the name
        columns by ``[name]`` wherever they appear in that text. Only ids and sales
        reps' names (``owner``) are left as they are.

    Examples
    --------
    >>> import polars as pl
    >>> t = pl.DataFrame({"Email": ["ann@x.example"], "note": ["call +1 555 0100 222"]})
    >>> masked = mask_personal(t, key="k")
    >>> masked["Email"][0].startswith("email-"), "555" in masked["note"][0]
    (True, False)
    """
    k = _key(key)
    if columns is None:
        columns = personal_columns(frame)
    kinds = columns if isinstance(columns, dict) else {
        c: (_kind_by_header(c) or _kind_by_content(frame[c]) or "other") for c in columns}
    names = _name_pattern(frame, [c for c, kind in kinds.items() if kind == "person"])
    out = []
    for col in frame.columns:
        s = frame[col]
        if col in kinds:
            out.append(_mask_series(s, kinds[col], k))
        elif scrub_text and col not in _IDS and not col.startswith("__"):
            s = _scrub_text(s, k)
            if names and col != "owner" and s.dtype == pl.String:
                for pattern in names:
                    s = s.str.replace_all(pattern, "[name]")
            out.append(s)
        else:
            out.append(s)
    return pl.DataFrame(out)


def _name_pattern(frame: pl.DataFrame, columns: Sequence[str], *, chunk: int = 500
                  ) -> list[str]:
    """Whole-word, case-insensitive patterns for the names in ``columns`` (3+ letters),
    to find them inside other text ("spoke to Carl Doe")."""
    values: set[str] = set()
    for c in columns:
        words = (frame[c].cast(pl.String).drop_nulls().str.split(" ").explode()
                 .str.strip_chars(" .,'\"()").drop_nulls().unique())
        values |= {w for w in words.to_list() if len(w) >= 3 and w.replace("-", "").isalpha()}
    ordered = sorted(values, key=lambda w: (-len(w), w))
    return [r"(?i)\b(?:" + "|".join(re.escape(w) for w in ordered[i:i + chunk]) + r")\b"
            for i in range(0, len(ordered), chunk)]
