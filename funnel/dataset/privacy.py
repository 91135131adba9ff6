"""Personal data: find the columns that hold it and replace it with stable pseudonyms.

Names, e-mail addresses and phone numbers of leads are found by header and by content;
e-mail addresses and phone numbers inside other text (notes, subjects) are found by
pattern (a phone number in any format, also a bare run of 10 to 15 digits), and the
names read from the name columns of *every* table are replaced wherever they appear in
other text. :func:`pseudonymise` does all of it for a whole dataset (every table, the
rejected rows, warnings, notes and file names): the one function every store and export
meant for someone else goes through. Masking replaces each value by a keyed-hash
pseudonym (``person-3f9a1c2b``): the same value always gets the same pseudonym under one
key, so counts, joins and drill-downs still work, and the key never travels with the data.

Sales reps (``owner``) are not masked: they are who the analysis is about.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import polars as pl

from funnel.dataset.schema import is_text, normalise_header
from funnel.dataset.store import TABLES
from funnel.dataset.tables import Dataset, Health

KEY_ENV = "FUNNEL_MASK_KEY"
_PROCESS_KEY = secrets.token_bytes(32)

_EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
# a phone number: optional +, 7-15 digits with separators; bare digit runs (ids) do not count
_PHONE = r"(?:\+\d[\d\s().\-]{6,20}\d|\(?\d{2,5}\)?[\s.\-]\d[\d\s.\-]{4,16}\d)"
_PHONE_DIGITS = (7, 15)
_BARE_PHONE = r"\b\d{10,15}\b"  # in free text, a bare run of phone length is a phone too
# a date (30.06.2024, 2024-06-30 10:11, 6/30/2024) has a phone's digits and separators:
# a whole value written so, or a match that starts with one, is a date, not a phone.
# Only a plausible date: a year of 19xx/20xx first, or a day and month then a year (a
# phone 0711-12-3456, or a French 06.12.34.56.78 going on after its third group, is not)
_DATE_VALUE = (r"^(?:(?:19|20)\d{2}(?:-\d{1,2}-|/\d{1,2}/|\.\d{1,2}\.)\d{1,2}"
               r"|\d{1,2}(?:\.\d{1,2}\.|/\d{1,2}/|-\d{1,2}-)(?:19|20)?\d{2})"
               r"(?:[ T,]+\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?\s*(?:[AaPp][Mm])?)?"
               r"(?:Z|[+-]\d{2}:?\d{2})?$")
_DATE_START = re.compile(r"^(?:(?:19|20)\d{2}([./-])\d{1,2}\1\d{1,2}"
                         r"|\d{1,2}([./-])\d{1,2}\2(?:19|20)?\d{2})(?![./\-]?\d)")

_NAME_HEADERS = {
    "name", "first name", "last name", "full name", "firstname", "lastname", "fullname",
    "contact name", "contact", "person", "person name", "lead name", "given name",
    "surname", "family name", "vorname", "nachname", "nom", "prenom", "nombre", "apellido",
    "apellidos", "nome", "sobrenome",
}
_NAME_WORDS = ("first name", "last name", "full name", "contact name", "person name")
# a whole header, or its end after a CRM object ("Deal - Contact person", "Deal - Person")
_NAME_ENDS = ("contact person", "primary contact", "deal person", "activity person")
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
    if h in _NAME_HEADERS or any(w in h for w in _NAME_WORDS) or any(
            h == w or h.endswith(" " + w) for w in _NAME_ENDS):
        return "person"
    if any(w in words or w in h.replace(" ", "") for w in ("email", "mail", "courriel",
                                                           "correo")) or "e mail" in h:
        return "email"
    if any(w in words for w in _PHONE_WORDS) or "phone" in h:
        return "phone"
    if any(w in h for w in _ADDRESS_WORDS):
        return "address"
    return None


def _share(values: pl.Series, pattern: str, *, unless: str | None = None) -> float:
    sample = values.drop_nulls().head(_SAMPLE).cast(pl.String).str.strip_chars()
    sample = sample.filter(sample != "")
    if sample.len() == 0:
        return 0.0
    hits = sample.str.contains(f"^{pattern}$")
    if unless is not None:
        hits = hits & ~sample.str.contains(unless)
    return float(hits.mean())


def _kind_by_content(values: pl.Series) -> str | None:
    if not is_text(values.dtype):  # _share reads a sample as text
        return None
    if _share(values, _EMAIL) >= 0.5:
        return "email"
    if _share(values, _PHONE, unless=_DATE_VALUE) >= 0.5:
        return "phone"
    return None


_FLAGS = {"yes", "no", "true", "false", "y", "n", "0", "1", "ja", "nein", "oui", "non", "si",
          "sí", "sim", "não"}


def _yes_no(values: pl.Series) -> bool:
    """A yes/no column holds no one's data, whatever its header says."""
    if values.dtype == pl.Boolean:
        return True
    if not is_text(values.dtype):
        return False
    seen = (values.drop_nulls().head(_SAMPLE).cast(pl.String)
            .str.strip_chars().str.to_lowercase().unique())
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
    def masked(text: pl.Series) -> pl.Series:  # a pseudonym per distinct value
        mapping = {v: pseudonym(v, kind=kind, key=key) for v in text.drop_nulls().unique()}
        return text.replace_strict(mapping, default=None, return_dtype=pl.String)

    if isinstance(s.dtype, pl.Categorical):
        return relabel_compact(s, masked)
    return masked(s.cast(pl.String)).alias(s.name)


def relabel_compact(s: pl.Series, relabel: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """A column kept compactly (``Categorical``) with each distinct label replaced by
    what ``relabel`` (``String`` labels in, the same number out) gives it, worked out
    once per label; it stays compact, and is returned as it is when no label changes
    (the rows' text is never built).

    Examples
    --------
    >>> s = pl.Series("c", ["a@x.io", "Web", "a@x.io", None], dtype=pl.Categorical)
    >>> relabel_compact(s, lambda t: t.str.replace("@x.io", "")).to_list()
    ['a', 'Web', 'a', None]
    >>> relabel_compact(s, lambda t: t) is s
    True
    """
    labels = s.drop_nulls().unique().cast(pl.String)
    done = relabel(labels)
    changed = labels.ne_missing(done)
    if not changed.any():
        return s
    return s.replace(labels.filter(changed), done.filter(changed))


def _phone_or_keep(match: str, key: bytes) -> str:
    digits = sum(ch.isdigit() for ch in match)
    lo, hi = _PHONE_DIGITS
    if date := _DATE_START.match(match):  # "on 30.06.2024 10:00": a date; what follows
        rest = match[date.end():]            # it ("30.06.24 555-1234") may be a phone
        core = rest.lstrip(" .-/,")
        return match[:date.end()] + rest[:len(rest) - len(core)] + (
            _phone_or_keep(core, key) if core else "")
    return pseudonym(match, kind="phone", key=key) if lo <= digits <= hi else match


_NAME_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_KEEP_NAMES_IN = {"owner", "stage", "outcome"}  # reps, and the words the stages are mapped by


def name_words(frames: Sequence[pl.DataFrame | None], columns: Sequence[Sequence[str]]
               ) -> list[str]:
    """The words (3+ letters) of the names held in ``columns`` of each frame, longest
    first: what :class:`Scrubber` replaces by ``[name]`` inside other text.

    Examples
    --------
    >>> name_words([pl.DataFrame({"n": ["Ann-Marie O'Brien", "Al Bo", None]})], [["n"]])
    ['Ann-Marie', "O'Brien", 'Brien', 'Marie', 'Ann']
    """
    values: set[str] = set()
    for frame, cols in zip(frames, columns, strict=True):
        for c in cols:
            if frame is None or c not in frame.columns:
                continue
            for text in frame[c].cast(pl.String).drop_nulls().unique().to_list():
                for word in _NAME_WORD.findall(text):
                    values |= {w for w in {word, *re.split(r"['’\-]", word)} if len(w) >= 3}
    return sorted(values, key=lambda w: (-len(w), w))


@dataclass
class Scrubber:
    """Replaces e-mail addresses, phone numbers (any format, bare 10-15 digit runs too)
    and known names inside text, with stable keyed pseudonyms (names by ``[name]``).

    Examples
    --------
    >>> s = Scrubber(key=b"k", names=["Zebulon"])
    >>> out = s.text("Called zebulon on 5550100199, z@q.example")
    >>> out.startswith("Called [name] on phone-"), "q.example" in out
    (True, False)
    """

    key: bytes
    names: list[str]
    chunk: int = 500
    keep: list[str] = field(default_factory=list)
    """Whole names left as they are inside text (the reps': a rep is named in the
    findings even when a lead shares one of the rep's names)."""

    def __post_init__(self) -> None:
        words = self.names
        parts = ["|".join(re.escape(w) for w in words[i:i + self.chunk])
                 for i in range(0, len(words), self.chunk)]
        self._polars = [r"(?i)\b(?:" + p + r")\b" for p in parts]
        self._python = [re.compile(r"\b(?:" + p + r")\b", re.IGNORECASE) for p in parts]
        kept = sorted({k for k in self.keep if k and k.strip()}, key=lambda k: (-len(k), k))
        self._keep = (re.compile(r"\b(" + "|".join(re.escape(k) for k in kept) + r")\b")
                      if kept else None)

    def _names(self, text: str) -> str:
        """Known names replaced by ``[name]``, outside the whole names kept."""
        pieces = self._keep.split(text) if self._keep is not None else [text]
        for i in range(0, len(pieces), 2):  # odd pieces are the kept names themselves
            for pattern in self._python:
                pieces[i] = pattern.sub("[name]", pieces[i])
        return "".join(pieces)

    def _contacts(self, text: str) -> str:
        text = re.sub(_EMAIL, lambda m: pseudonym(m.group(0), kind="email", key=self.key), text)
        text = re.sub(_PHONE, lambda m: _phone_or_keep(m.group(0), self.key), text)
        return re.sub(_BARE_PHONE, lambda m: pseudonym(m.group(0), kind="phone", key=self.key),
                      text)

    def text(self, text: str | None, *, names: bool = True) -> str | None:
        """One string scrubbed (``None`` stays ``None``)."""
        if not text:
            return text
        text = self._contacts(text)
        return self._names(text) if names else text

    def series(self, s: pl.Series, *, names: bool = True) -> pl.Series:
        """A text column scrubbed (other types returned unchanged); a column kept compactly
        is scrubbed once per label (:func:`relabel_compact`)."""
        if isinstance(s.dtype, pl.Categorical):
            return relabel_compact(s, lambda labels: self.series(labels, names=names))
        if isinstance(s.dtype, pl.Enum):
            s = s.cast(pl.String)
        if s.dtype != pl.String or s.null_count() == s.len():
            return s
        hit = (s.str.contains(_EMAIL) | s.str.contains(_PHONE)
               | s.str.contains(_BARE_PHONE)).fill_null(False)
        if hit.any():
            fixed = {v: self._contacts(v) for v in s.filter(hit).unique().to_list()}
            s = s.replace(fixed)
        if not names:
            return s
        kept = (s.str.contains(self._keep.pattern).fill_null(False) if self._keep is not None
                else None)
        if kept is not None and kept.any():  # values naming a rep: word by word, in Python
            s = s.replace({v: self._names(v) for v in s.filter(kept).unique().to_list()})
        for pattern in self._polars:
            scrubbed = s.str.replace_all(pattern, "[name]")
            s = scrubbed if kept is None else pl.select(
                pl.when(kept).then(s).otherwise(scrubbed)).to_series().alias(s.name)
        return s

    def frame(self, frame: pl.DataFrame, kinds: dict[str, str]) -> pl.DataFrame:
        """Columns in ``kinds`` replaced by pseudonyms; every other text column scrubbed
        (ids untouched; names kept in the reps' and stage columns)."""
        out = []
        for col in frame.columns:
            s = frame[col]
            if col in kinds:
                out.append(_mask_series(s, kinds[col], self.key))
            elif col in _IDS:
                out.append(s)
            else:
                out.append(self.series(s, names=col not in _KEEP_NAMES_IN))
        return pl.DataFrame(out, schema=None) if out else frame


def mask_personal(
    frame: pl.DataFrame,
    *,
    columns: Sequence[str] | dict[str, str] | None = None,
    key: bytes | str | None = None,
    scrub_text: bool = True,
    names: Sequence[str] = (),
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
    names
        More name words to replace inside text (:func:`name_words` of another table:
        the lead's row, when masking its activities).

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
    if not scrub_text:
        return frame.with_columns(_mask_series(frame[c], kind, k) for c, kind in kinds.items())
    people = [c for c, kind in kinds.items() if kind == "person"]
    words = sorted({*name_words([frame], [people]), *names}, key=lambda w: (-len(w), w))
    return Scrubber(key=k, names=words).frame(frame, kinds)


def _table_kinds(ds: Dataset, extra: Sequence[str]) -> list[dict[str, str]]:
    frames = [getattr(ds, t) for t in TABLES]
    return [{} if f is None else personal_columns(f, extra=[c for c in extra if c in f.columns])
            for f in frames]


def dataset_scrubber(ds: Dataset, *, key: bytes | str | None = None,
                     extra: Sequence[str] = ()) -> Scrubber:
    """The :class:`Scrubber` of a dataset: the names of every table's name columns, and
    the key; for text computed from ``ds`` (a report's headlines) that must hold no more
    personal data than :func:`pseudonymise` leaves.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> ds = load_sample()
    >>> first = ds.leads["First Name"][0]
    >>> dataset_scrubber(ds, key="k").text(f"Call {first}, +1 (555) 010-0199")[:12]
    'Call [name],'
    """
    kinds = _table_kinds(ds, extra)
    people = [[c for c, kind in ks.items() if kind == "person"] for ks in kinds]
    return Scrubber(key=_key(key), names=name_words([getattr(ds, t) for t in TABLES], people),
                    keep=owner_names(ds))


def owner_names(ds: Dataset) -> list[str]:
    """The reps' names as the owner columns of ``ds`` hold them (kept whole in text).

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> "Lena Park" in owner_names(load_sample())
    True
    """
    names: set[str] = set()
    for t in TABLES:
        frame = getattr(ds, t)
        if frame is not None and "owner" in frame.columns:
            names |= set(frame["owner"].cast(pl.String).drop_nulls().unique().to_list())
    return sorted(names)


def pseudonymise(ds: Dataset, *, key: bytes | str | None = None,
                 extra: Sequence[str] = ()) -> Dataset:
    """A copy of ``ds`` with no personal data: every store or export for someone else
    (a shared or session workspace, the notebook bundle, a viewer's page) starts here.

    In every table, the personal columns (:func:`personal_columns`, plus ``extra``
    wherever a table has such a column) become stable pseudonyms; every other text
    column, the rejected rows, the warnings, the files' notes and names and the label
    are scrubbed by one :class:`Scrubber`: e-mail addresses, phone numbers (any format,
    bare 10-15 digit runs too) and the names read from the name columns of *all* tables.
    Ids, numbers, dates and reps' names are kept, so every aggregate is unchanged.

    Parameters
    ----------
    ds
        The dataset as built.
    key
        Secret for the keyed hash (see :func:`mask_personal`); it is not stored anywhere.
    extra
        Columns the user marked as personal on top of those detected.

    Examples
    --------
    >>> from funnel.sample import load_sample
    >>> ds = load_sample()
    >>> safe = pseudonymise(ds, key="k")
    >>> safe.leads["Email"][0].startswith("email-"), safe.leads.height == ds.leads.height
    (True, True)
    """
    frames = [getattr(ds, t) for t in TABLES]
    kinds = _table_kinds(ds, extra)
    scrub = dataset_scrubber(ds, key=key, extra=extra)
    masked = {t: None if f is None else scrub.frame(f, ks)
              for t, f, ks in zip(TABLES, frames, kinds, strict=True)}
    h = ds.health
    health = Health(
        files=[replace(f, name=scrub.text(f.name), notes=[scrub.text(n) for n in f.notes])
               for f in h.files],
        rejected=scrub.frame(h.rejected, {}),
        warnings=[replace(w, message=scrub.text(w.message)) for w in h.warnings],
        capabilities=[replace(c, reason=scrub.text(c.reason)) for c in h.capabilities])
    return replace(ds, **masked, health=health, label=scrub.text(ds.label) or "")
