"""Map an export's headers and values onto the canonical model.

Headers are normalised (accents, case, punctuation, ``camelCase``, CRM prefixes such
as Pipedrive's ``Deal - ``) and matched against synonyms drawn from HubSpot,
Salesforce and Pipedrive labels and API names and from common generic names. A guess
is kept only when the column's values fit the field (dates parse, numbers read).
Whatever is not mapped stays in the lead table as a profile attribute.
"""

from __future__ import annotations

import re

import polars as pl

from funnel.dataset.schema import (
    FIELDS,
    OUTCOMES,
    REQUIRED,
    ROLES,
    STAGES,
    as_text,
    normalise_header,
)
from funnel.ingest.keys import email_columns
from funnel.ingest.parsing import (
    detect_date_style,
    detect_decimal_comma,
    null_placeholders,
    parse_numbers,
)

_OWN_ID = {"leads": "lead_id", "deals": "deal_id", "activities": None, "spend": None}
_GENERIC_ID = ["id", "record id", "object id", "row id", "hs object id", "key", "uuid", "guid"]

# Synonyms, written as the export shows them; normalised at import.
_SYNONYMS: dict[str, list[str]] = {
    "lead_id": [
        "lead nr", "lead nummer", "kontakt id", "interessent id", "id du lead", "id del lead",
        "id do lead",
        "lead id", "contact id", "prospect id", "person id", "mql id", "lead number id",
        "leadid", "contactid", "vid", "hubspot contact id", "hubspot id", "lead guid",
        "customer id", "inquiry id", "enquiry id", "lead key",
        "who id",  # Salesforce Task and Event: the lead or contact the activity is with
        # HubSpot activity exports (calls, e-mails, meetings): association cells
        "associated contact ids", "associated contact id", "associated contact",
    ],
    "deal_id": [
        "deal nr", "verkaufschance id", "opportunite id", "id oportunidad", "id oportunidade",
        "auftrag id",
        "deal id", "opportunity id", "opp id", "converted opportunity id",
        "convertedopportunityid", "hs deal id", "dealid", "opportunityid",
    ],
    "created_at": [
        "erstellt am", "erstellt", "erstelldatum", "anlagedatum", "angelegt am",
        "eingangsdatum", "date de creation", "cree le", "date creation", "fecha de creacion",
        "fecha creacion", "creado", "data de criacao", "data criacao", "criado em",
        "created at", "create date", "created date", "createdate", "created", "created on",
        "creation date", "date created", "add time", "added", "added on", "deal created",
        "lead created", "lead date", "first contact date", "inquiry date", "enquiry date",
        "submission date", "submitted at", "sign up date", "signup date", "date",
        "createddate", "created time", "lead creation date", "became a lead date", "engage date",
        "lead created date",
        "hs lifecyclestage lead date", "first conversion date", "timestamp",
        "person created", "contact created",  # Pipedrive's "Person - Person created"
    ],
    "source": [
        "quelle", "lead quelle", "leadquelle", "herkunft", "kanal", "origine", "source du lead",
        "fuente", "origen", "origem", "canal",
        "source", "lead source", "original source", "hs analytics source", "channel",
        "origin", "utm medium", "utm source", "traffic source", "source channel",
        "marketing channel",
        "leadsource", "lead channel", "acquisition channel", "latest source",
    ],
    "campaign": [
        "kampagne", "kampagnenname", "campagne", "campana", "campanha",
        "campaign", "campaign name", "utm campaign", "primary campaign source",
        "first conversion", "landing page", "landing page id", "form", "form name",
        "original source drill down 2", "hs analytics source data 2", "campaign id",
        "lead campaign", "ad campaign",
    ],
    "owner": [
        "verantwortlich", "verantwortlicher", "besitzer", "inhaber", "zustandig",
        "vertriebsmitarbeiter", "proprietaire", "responsable", "commercial", "propietario",
        "vendedor", "responsavel",
        "owner", "lead owner", "contact owner", "deal owner", "opportunity owner",
        "hubspot owner id", "owner id", "ownerid", "owner name", "assigned to",
        "lead owner id", "contact owner id", "opportunity owner id", "deal owner id",
        "assigned user", "assigned to user", "sales rep", "sales agent", "rep", "sr id",
        "account owner",
        "user", "salesperson", "sales owner", "responsible",
    ],
    "assigned_at": [
        "assigned at", "owner assigned date", "hubspot owner assigneddate",
        "assignment date", "assigned date", "date assigned", "routed at",
    ],
    "first_response_at": [
        "first response at", "first response", "first response date", "first touch",
        "first touch date", "first contacted", "first contact", "first call date",
        "first activity date", "date of first engagement", "hs sa first engagement date",
        "first outreach date", "first engagement date",
    ],
    "mql_at": [
        "mql at", "mql date", "became a marketing qualified lead date",
        "hs lifecyclestage marketingqualifiedlead date", "marketing qualified date",
        "date became mql", "mql timestamp",
    ],
    "sal_at": [
        "sal at", "sal date", "sales accepted date", "became a sales accepted lead date",
        "accepted date", "date accepted", "date became sal",
    ],
    "sql_at": [
        "sql at", "sql date", "became a sales qualified lead date",
        "hs lifecyclestage salesqualifiedlead date", "sales qualified date",
        "qualified date", "date qualified", "date became sql",
    ],
    "opportunity_at": [
        "opportunity at", "opportunity date", "became an opportunity date",
        "hs lifecyclestage opportunity date", "converted date", "converteddate",
        "opportunity created date", "date became opportunity",
    ],
    "stage": [
        "phase", "stufe", "verkaufsphase", "etape", "etapa", "fase",
        "stage", "lifecycle stage", "lifecyclestage", "lead stage", "funnel stage",
        "deal stage", "dealstage", "stagename", "stage name", "opportunity stage",
        "pipeline stage",
    ],
    "outcome": [
        "ergebnis", "resultat", "resultado", "statut", "estado",
        "outcome", "result", "won", "is won", "iswon", "hs is closed won", "converted",
        "is converted", "isconverted", "status", "deal status", "won lost", "closed won",
        "win", "converted flag", "conversion", "won flag",
    ],
    "closed_at": [
        "abschlussdatum", "abgeschlossen am", "date de cloture", "fecha de cierre",
        "data de fechamento",
        "closed at", "close date", "closedate", "closed date", "date closed", "close time",
        "closed on", "decision date",
        "actual close date", "closing date",  # Dynamics 365, Zoho CRM
    ],
    "won_at": [
        "won at", "won date", "won time", "date won", "became a customer date",
        "hs lifecyclestage customer date", "customer date", "closed won date",
    ],
    "lost_at": ["lost at", "lost date", "lost time", "date lost", "closed lost date"],
    "amount": [
        "umsatz", "betrag", "wert", "auftragswert", "volumen", "montant", "valeur", "importe",
        "valor",
        "amount", "value", "deal value", "deal amount", "opportunity amount", "revenue",
        "contract value", "acv", "arr", "mrr", "deal size", "amount in company currency",
        "hs closed amount", "total value", "booking amount", "won amount", "close value",
        "actual revenue", "est revenue", "estimated revenue",  # Dynamics 365
    ],
    "lost_reason": [
        "verlustgrund", "absagegrund", "grund", "motif de perte", "motif", "motivo de perdida",
        "motivo", "motivo da perda",
        "lost reason", "loss reason", "closed lost reason", "disqualification reason",
        "disqualified reason", "reason lost", "reason", "lost reason description",
        "unqualified reason", "rejection reason", "rejected reason", "lossreason",
        "reason for loss", "churn reason",
    ],
    "score": [
        "score", "lead score", "hubspot score", "hubspotscore", "lead scoring",
        "marketing score", "mql score", "engagement score", "lead rating score",
        "person score", "behavior score", "behaviour score", "pardot score",
    ],
    "at": [
        "at",
        # Salesforce Task (when it was done) and Event (when it starts), before the
        # Task's ActivityDate, which is a date without a time (its due date)
        "completed date time", "activity date time", "start date time",
        "actual end", "call start time",  # Dynamics 365's activities, Zoho's calls
        "date", "activity date", "done time", "marked as done time", "completed at",
        "completed date", "timestamp", "activity time", "time", "due date", "created at",
        "create date", "occurred at", "activity timestamp", "call date", "email date",
        "engagement date", "hs timestamp", "start time", "date time",
    ],
    "kind": [
        "kind",
        "task subtype", "event subtype",  # Salesforce (Call, Email, Task; Event): before
        # its Type, often left empty
        "type", "activity type", "engagement type", "task type", "channel",
        "touch type", "activity", "subtype",
    ],
    "month": ["month", "period", "date", "week", "day", "billing month", "spend month",
              "reporting starts", "start date", "reporting start", "week start"],
    "cost": [
        "cost", "spend", "amount spent", "spent", "budget spent", "ad spend", "media spend",
        "cost usd", "spend usd", "total cost", "amount", "investment", "costs",
        "total spent", "spend amount",  # LinkedIn; Meta's "amount spent" with a currency
    ],
}

# a CRM entity prefix on a header, as Pipedrive writes "Deal - Won time"
_CRM_PREFIX = re.compile(
    r"^\s*(deal|person|organi[sz]ation|lead|activity|contact|opportunity|account|"
    r"company|product|note|task|call|email)\s*[-:–]\s+",
    re.IGNORECASE,
)

_ROLE_WORDS = {
    "leads": ("lead", "contact", "mql", "prospect", "person", "inquir", "enquir", "signup"),
    "deals": ("deal", "opportunit", "opps", "won", "closed", "pipeline"),
    "activities": ("activit", "engagement", "call", "touch", "task", "email_log", "events"),
    "spend": ("spend", "cost", "budget", "ads", "media"),
}


_UNIT_SUFFIX = re.compile(r"\s*\((?:[A-Z]{3}|[$€£¥₹%]|in\s+[\w ]+)\)\s*$")
"""A currency or time zone after a header, as ad platforms write *Amount spent (EUR)*
and *Start Date (in UTC)* (not any words in parentheses: *Status (old)* stays as it
is)."""


def _forms(header: str) -> list[str]:
    """The header's normalised forms: whole, without a CRM entity prefix, and without a
    unit in parentheses after it."""
    whole = normalise_header(header)
    out = [whole, whole.replace(" ", "")]
    m = _CRM_PREFIX.match(str(header))
    if m:
        rest = normalise_header(str(header)[m.end():])
        out += [rest, rest.replace(" ", ""), f"{normalise_header(m.group(1))} {rest}"]
    if (bare := _UNIT_SUFFIX.sub("", str(header))) != str(header) and bare.strip():
        out += [normalise_header(bare)]
    return out


_NORMAL: dict[str, dict[str, int]] = {}
for _field, _labels in _SYNONYMS.items():
    _NORMAL[_field] = {}
    for _rank, _label in enumerate(_labels):
        for _form in (normalise_header(_label), normalise_header(_label).replace(" ", "")):
            _NORMAL[_field].setdefault(_form, _rank)


def header_score(header: str, field_name: str, role: str) -> float:
    """How well a header names a field of ``role``: 0 (not at all) to 1 (its first
    synonym), from the synonyms of HubSpot, Salesforce, Pipedrive and generic exports.

    Examples
    --------
    >>> header_score("Create Date", "created_at", "leads") > 0.5
    True
    >>> header_score("Favourite colour", "created_at", "leads")
    0.0
    """
    forms = _forms(header)
    prefix = _CRM_PREFIX.match(str(header))
    entity = normalise_header(prefix.group(1)) if prefix else None
    table = dict(_NORMAL.get(field_name, {}))
    if _OWN_ID.get(role) == field_name:
        for rank, label in enumerate(_GENERIC_ID):
            table.setdefault(normalise_header(label), 50 + rank)
    best = 0.0
    for i, form in enumerate(forms):
        if form in table:
            score = 1.0 - min(table[form], 60) / 100
            if i >= 2:  # matched only without its prefix
                score -= 0.05
                # "Person - ID" in a deals file is the lead link, not the deal id
                if form in ("id", "record id") and entity in ("person", "contact", "lead"):
                    score = 0.9 if field_name == "lead_id" and role != "leads" else 0.0
                elif (
                    form in ("id", "record id")
                    and entity in ("deal", "opportunity")
                    and field_name != "deal_id"
                ):
                    score = 0.0
            best = max(best, score)
    if (
        field_name == "lead_id" and entity in ("person", "contact", "lead") and role != "leads"
        and forms[2:3] and forms[2] in ("id", "record id")
    ):
        best = max(best, 0.9)
    return best


def _values_fit(values: pl.Series, kind: str) -> bool:
    """Whether a column's values can be the field's type (checked on a sample)."""
    sample = null_placeholders(as_text(values.head(5000))).drop_nulls()
    if sample.len() == 0:
        return True
    if kind in ("datetime", "month"):
        style = detect_date_style(sample)
        if style is None and kind == "month":
            style = detect_date_style(sample + "-01")
        return style is not None
    if kind == "number":
        nums = parse_numbers(sample, decimal_comma=detect_decimal_comma(sample))
        return nums.is_not_null().mean() >= 0.9
    return True


def auto_map(
    frame: pl.DataFrame, role: str, *, fixed: dict[str, str] | None = None
) -> dict[str, str]:
    """Guess which column feeds each canonical field of ``role``.

    Parameters
    ----------
    frame
        The file's text columns.
    role
        ``"leads"``, ``"deals"``, ``"activities"`` or ``"spend"``.
    fixed
        Choices already made (from a mapping file or the user); kept as they are. A
        field given as ``""`` or ``None`` is not in the export and is not guessed.

    Returns
    -------
    dict
        ``{field: column}`` for the fields found.

    Examples
    --------
    >>> import polars as pl
    >>> f = pl.DataFrame({"Prospect ID": ["a"], "Lead Source": ["Google"], "Converted": ["1"]})
    >>> auto_map(f, "leads")
    {'lead_id': 'Prospect ID', 'source': 'Lead Source', 'outcome': 'Converted'}
    """
    fields = FIELDS[role]
    blocked = {k for k, v in (fixed or {}).items() if not v}
    # "" and None are "not in this export": never a (blank-named) column
    fixed = {k: v for k, v in (fixed or {}).items()
             if k in fields and v and v in frame.columns}
    taken = set(fixed.values())
    pairs = []
    for col in frame.columns:
        if col in taken or col.startswith("__"):
            continue
        for f in fields:
            if f in fixed or f in blocked:
                continue
            score = header_score(col, f, role)
            if score > 0:
                pairs.append((score, f, col))
    chosen = dict(fixed)
    for _score, f, col in sorted(pairs, key=lambda p: (-p[0], list(fields).index(p[1]))):
        if f in chosen or col in taken:
            continue
        if not _values_fit(frame[col], fields[f]):
            continue
        chosen[f] = col
        taken.add(col)
    if role == "leads" and not {"outcome", "stage"} & (chosen.keys() | blocked):
        status = _status_outcome(frame, taken)
        if status:
            chosen["outcome"] = status
    order = list(fields)
    return dict(sorted(chosen.items(), key=lambda kv: order.index(kv[0])))


STATUS_OUTCOME_SHARE = 0.8
"""Least share of a status column's (first) values that must read as outcomes for it to
be taken as the outcome of a leads file that has no other."""


def _status_outcome(frame: pl.DataFrame, taken: set[str]) -> str | None:
    """A leads file with neither outcome nor stage: its status column (Marketo's, Pardot's
    or Zoho's *Lead Status*: Open, Contacted, Qualified, Unqualified…) when most of its
    values (:data:`STATUS_OUTCOME_SHARE`) read as outcomes; a *lead status* first."""
    cols = [c for c in frame.columns if c not in taken and not c.startswith("__")
            and "status" in normalise_header(c).split()]
    cols.sort(key=lambda c: normalise_header(c) != "lead status")
    for col in cols:
        values = frame[col].head(2_000).drop_nulls()
        mapped, _ = map_values(values, "outcome")
        if values.len() and mapped.is_not_null().mean() >= STATUS_OUTCOME_SHARE:
            return col
    return None


def guess_role(frame: pl.DataFrame, name: str = "") -> str:
    """Guess what a file holds — leads, deals, activities or spend — from headers and name.

    Examples
    --------
    >>> import polars as pl
    >>> guess_role(pl.DataFrame({"Month": ["2024-01"], "Channel": ["Ads"], "Spend": ["$10"]}))
    'spend'
    """
    lower = name.lower()
    best, best_score = "leads", -1.0
    for role in ROLES:
        found = auto_map(frame.head(200), role)
        score = sum(2.0 if f in REQUIRED[role] else 1.0 for f in found)
        if role == "leads":
            score += 0.5 * sum(f in found for f in ("source", "campaign", "mql_at", "score"))
        if role == "deals":
            prefixed = sum(normalise_header(c).startswith(("deal ", "opportunity "))
                           for c in frame.columns)
            score += 3.0 if prefixed > len(frame.columns) / 2 else 0.0
            score -= 3.0 if "deal_id" not in found and "won_at" not in found else 0.0
        if role == "activities":  # a person's e-mail links an activity as well as an id
            linked = "lead_id" in found or bool(email_columns(frame.head(200)))
            score -= 4.0 if "at" not in found or not linked else 0.0
            score += 1.0 if "kind" in found else 0.0
        if role == "spend":
            score -= 10.0 if "cost" not in found else 0.0
        if any(w in lower for w in _ROLE_WORDS[role]):
            score += 3.0
        if score > best_score:
            best, best_score = role, score
    return best


_OUTCOME_WORDS = {
    "won": [
        "won", "closed won", "win", "true", "1", "yes", "y", "converted", "closed converted",
        "customer", "success", "successful", "signed", "sold", "deal won", "closedwon",
        "kunde", "client", "cliente",
        "gewonnen", "gagne", "ganado", "ganada", "ganho", "ganha", "ja",
    ],
    "lost": [
        "lost", "closed lost", "lose", "loss", "false", "0", "no", "n", "not converted",
        "closed not converted", "disqualified", "unqualified", "rejected", "dead", "junk",
        "closedlost", "churned", "bad fit",
        "junk lead", "lost lead", "not qualified",  # Zoho CRM's lead statuses
        "closed lost to competition",  # Zoho CRM's deal stage
        "verloren", "abgesagt", "perdu", "perdue", "perdido", "perdida", "nein",
    ],
    "open": [
        "open", "in progress", "pending", "working", "working contacted", "open not contacted",
        "new", "active", "nurture", "nurturing", "contacted", "attempted to contact",
        "connected", "open deal", "qualified", "ongoing",
        "not contacted", "pre qualified", "contact in future",  # Zoho CRM's lead statuses
        "prospect", "recycled",  # Pardot's
        "offen", "in bearbeitung", "ouvert", "en cours", "abierto", "abierta", "aberto",
        "em aberto",
    ],
}
_STAGE_WORDS = {
    "lead": ["lead", "new", "subscriber", "raw", "inquiry", "enquiry", "prospect", "visitor",
             "open not contacted", "contact", "new lead", "not contacted",
             # HubSpot's lifecycle stages in German, French, Spanish and Portuguese
             "abonnent", "abonne", "suscriptor", "assinante"],
    "mql": ["mql", "marketing qualified lead", "marketingqualifiedlead", "marketing qualified",
            "marketingqualifizierter lead", "lead qualifie marketing",
            "lead calificado para marketing", "lead qualificado para marketing"],
    "sal": ["sal", "sales accepted lead", "sales accepted", "accepted", "working",
            "working contacted", "contacted", "attempted to contact", "connected",
            "in progress"],  # HubSpot lead status IN_PROGRESS: being worked
    "sql": ["sql", "sales qualified lead", "salesqualifiedlead", "sales qualified", "qualified",
            "qualification", "qualified to buy", "appointment scheduled",
            "vertriebsqualifizierter lead", "lead qualifie pour la vente",
            "lead calificado para ventas", "lead qualificado para vendas"],
    "opportunity": ["opportunity", "opp", "opportunite", "oportunidad", "oportunidade",
                    "proposal", "negotiation", "demo", "demo scheduled",
                    "proposal made", "proposal price quote", "negotiation review",
                    "perception analysis", "value proposition", "id decision makers",
                    "identify decision makers",
                    "needs analysis", "presentation scheduled", "decision maker bought in",
                    "contract sent", "closed lost", "closedlost", "lost", "prospecting",
                    "engaging", "open deal",  # HubSpot lead status OPEN_DEAL
                    # Pipedrive's default pipeline, after its first stage Qualified
                    "contact made", "needs defined", "negotiations started"],
    "won": ["won", "closed won", "closedwon", "customer", "evangelist", "closed converted",
            "kunde", "client", "cliente", "evangeliste", "promotor", "evangelista"],
}
_NO_STAGE = {"other", "andere", "autre", "otro", "outro", "unknown", "unqualified",
             "disqualified",
             "deleted"}  # a deleted record is rejected as such (models.deleted_rows)
_PIPELINE_SUFFIX = re.compile(r"\s*\([^()]*\)\s*$")


def _word_table(words: dict[str, list[str]]) -> dict[str, str]:
    return {normalise_header(w): canon for canon, ws in words.items() for w in ws}


def _squashed(table: dict[str, str]) -> dict[str, str]:
    """``table`` keyed by its labels without spaces, as HubSpot's internal values write
    them (``qualifiedtobuy``, ``appointmentscheduled``)."""
    return {k.replace(" ", ""): v for k, v in table.items()}


OUTCOME_VALUES = _word_table(_OUTCOME_WORDS)
STAGE_VALUES = _word_table(_STAGE_WORDS)
_SQUASHED = {"outcome": _squashed(OUTCOME_VALUES), "stage": _squashed(STAGE_VALUES)}

NO_MEANING = "none"
"""The answer, in a mapping file's ``values`` (or the mapping screen), that a label says
nothing of its field: it is left empty and not asked about again (JSON ``null`` too)."""


_FLAGS = {"1", "0", "true", "false", "yes", "no", "y", "n", "ja", "nein"}


def stage_endings(labels: list[str]) -> dict[str, str]:
    """The stage labels that also say how the record ended, with that outcome (won or
    lost): "Closed Lost", "Closed - Not Converted". A bare flag (``1``, ``yes``) in a
    stage column is a stage number or a marker, never an outcome.

    Examples
    --------
    >>> stage_endings(["Closed Won", "Closed - Not Converted", "Prospecting", "1"])
    {'Closed Won': 'won', 'Closed - Not Converted': 'lost'}
    """
    out = {}
    for raw in labels:
        norm = normalise_header(raw)
        hit = OUTCOME_VALUES.get(norm) or _SQUASHED["outcome"].get(norm.replace(" ", ""))
        if hit in ("won", "lost") and norm not in _FLAGS:
            out[raw] = hit
    return out


def _answered_none(answer: object) -> bool:
    return answer is None or str(answer).strip().lower() in (NO_MEANING, "null", "")


def map_values(
    values: pl.Series, kind: str, *, overrides: dict[str, str] | None = None
) -> tuple[pl.Series, dict[str, int]]:
    """Map raw outcome or stage labels onto canonical values.

    Parameters
    ----------
    values
        The raw text column.
    kind
        ``"outcome"`` (won/lost/open) or ``"stage"`` (lead … won).
    overrides
        ``{raw label: canonical}`` from the mapping file's ``values``; they win. The
        answer :data:`NO_MEANING` (``"none"``) leaves a label empty without asking again.

    Returns
    -------
    (Series, dict)
        The canonical column, and the labels not recognised with their counts (those
        become missing: an unrecognised label is never *won* or *lost*). In a stage
        column, a label that only says how the record ended ("Closed - Not Converted")
        is recognised: it has no stage, and the outcome is read from it.

    Examples
    --------
    >>> import polars as pl
    >>> s, unknown = map_values(pl.Series(["Closed Won", "0", "Maybe"]), "outcome")
    >>> s.to_list(), unknown
    (['won', 'lost', None], {'Maybe': 1})
    >>> map_values(pl.Series(["Closed won (Sales Pipeline)"]), "stage")[0].to_list()
    ['won']
    >>> map_values(pl.Series(["qualifiedtobuy", "contractsent"]), "stage")[0].to_list()
    ['sql', 'opportunity']
    """
    table = OUTCOME_VALUES if kind == "outcome" else STAGE_VALUES
    squashed = _SQUASHED["outcome" if kind == "outcome" else "stage"]
    allowed = OUTCOMES if kind == "outcome" else STAGES
    clean = null_placeholders(as_text(values))
    distinct = clean.drop_nulls().unique()
    lookup: dict[str, str | None] = {}
    unknown: dict[str, int] = {}
    answered: set[str] = set()
    over = {str(k).strip().lower(): v for k, v in (overrides or {}).items()}
    for raw in distinct.to_list():
        key = raw.strip().lower()
        if key in over and (over[key] in allowed or _answered_none(over[key])):
            lookup[raw] = None if _answered_none(over[key]) else over[key]
            answered.add(raw)
            continue
        norm = normalise_header(raw)
        hit = table.get(norm) or squashed.get(norm.replace(" ", ""))
        if hit is None and (bare := _PIPELINE_SUFFIX.sub("", raw)) != raw:
            # a label with its pipeline in parentheses, "Closed won (Sales Pipeline)"
            hit = table.get(normalise_header(bare))
        if hit is None and kind == "stage" and (
                norm in _NO_STAGE or stage_endings([raw])):
            answered.add(raw)  # says how it ended, not how far it got
            lookup[raw] = None
            continue
        # numbers meaning true/false ("1.0") for outcome columns
        if hit is None and kind == "outcome" and re.fullmatch(r"[01](\.0+)?",
                                                              norm.replace(" ", ".")):
            hit = "won" if norm.startswith("1") else "lost"
        lookup[raw] = hit
    mapped = clean.replace_strict(lookup, default=None, return_dtype=pl.String)
    missing = [k for k, v in lookup.items() if v is None and k not in answered
               and normalise_header(k) not in _NO_STAGE]
    if missing:
        counts = clean.filter(clean.is_in(missing)).value_counts(sort=True)
        unknown = {r[0]: int(r[1]) for r in counts.iter_rows()}
    return mapped.alias(values.name), unknown
