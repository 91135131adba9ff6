"""Finding personal columns and masking them with stable pseudonyms."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_series_equal

from funnel.dataset.privacy import (
    Scrubber,
    dataset_scrubber,
    mask_personal,
    name_words,
    personal_columns,
    pseudonym,
)
from funnel.sample.export import load_sample


@pytest.mark.parametrize("header, kind", [
    ("First Name", "person"), ("Last Name", "person"), ("Full name", "person"),
    ("Contact Name", "person"), ("Nachname", "person"), ("Email", "email"),
    ("E-mail Address", "email"), ("Phone Number", "phone"), ("Mobile", "phone"),
    ("Téléphone", "phone"), ("Street Address", "address"),
    ("Deal - Contact person", "person"), ("Deal - Person", "person"),
    ("Primary Contact", "person"),
])
def test_personal_columns_by_header(header, kind):
    frame = pl.DataFrame({header: ["x"]})
    assert personal_columns(frame) == {header: kind}


@pytest.mark.parametrize(("values", "kind"), [
    (["ana@acme.example", "bo@acme.example"] * 3, "email"),
    (["+1 555 0112 2952", "+44 20 7946 0958"] * 3, "phone"),
])
def test_personal_columns_by_content_of_a_compact_column(values, kind):
    frame = pl.DataFrame({"reached at": pl.Series(values, dtype=pl.Categorical)})
    assert personal_columns(frame) == {"reached at": kind}


@pytest.mark.parametrize("header", ["Company Name", "Campaign Name", "Industry", "Lead Number",
                                    "Deal - Title", "owner", "source", "Persona",
                                    "Deal - Person ID", "Primary Contact Method",
                                    "Contact Person Title", "Price per person"])
def test_personal_columns_leave_business_fields(header):
    assert personal_columns(pl.DataFrame({header: ["Acme"]})) == {}


def test_personal_columns_by_email_content():
    frame = pl.DataFrame({"contact_info": ["ann@x.example", "bo@y.example", None]})
    assert personal_columns(frame) == {"contact_info": "email"}


def test_personal_columns_by_phone_content():
    frame = pl.DataFrame({"col7": ["+1 555 0100 2222", "(030) 123-4567", "+44 20 7946 0018"]})
    assert personal_columns(frame) == {"col7": "phone"}


def test_personal_columns_bare_digit_ids_are_not_phones():
    frame = pl.DataFrame({"ref": ["5100001", "5100002", "D-000123"]})
    assert personal_columns(frame) == {}


def test_personal_columns_user_marked_column():
    assert personal_columns(pl.DataFrame({"notes": ["x"]}), extra=["notes"]) == {"notes": "other"}


def test_mask_personal_is_stable_under_one_key():
    t = pl.DataFrame({"Email": ["Ann@x.example", "ann@x.example ", "bo@y.example"]})
    out = mask_personal(t, key="k")["Email"].to_list()
    assert out[0] == out[1] != out[2]


def test_mask_personal_differs_between_keys():
    assert pseudonym("ann@x.example", key="a") != pseudonym("ann@x.example", key="b")


def test_mask_personal_leaves_other_columns_unchanged():
    t = pl.DataFrame({"First Name": ["Ann", None], "source": ["Ads", "Web"], "amount": [1.0, 2.0]})
    out = mask_personal(t, key="k")
    assert_series_equal(out["source"], t["source"])
    assert_series_equal(out["amount"], t["amount"])
    assert out["First Name"][1] is None


def test_mask_personal_scrubs_contacts_inside_free_text():
    t = pl.DataFrame({"note": ["mail ann@x.example or call +1 555 0100 2222", "no contact"]})
    out = mask_personal(t, key="k")["note"].to_list()
    assert "ann@x.example" not in out[0] and "555" not in out[0]
    assert out[0].startswith("mail email-") and out[1] == "no contact"


def test_mask_personal_keeps_lead_ids():
    t = pl.DataFrame({"lead_id": ["5100001"], "Email": ["ann@x.example"]})
    assert mask_personal(t, key="k")["lead_id"].to_list() == ["5100001"]


def test_mask_personal_sample_leaves_no_email_or_phone():
    leads = load_sample().leads.head(300)
    out = mask_personal(leads, key="k")
    for col in ("First Name", "Last Name", "Email", "Phone Number"):
        assert not set(out[col].drop_nulls()) & set(leads[col].drop_nulls())


@pytest.mark.parametrize("values", [["Yes", "No", "No"], [True, False, None]])
def test_personal_columns_yes_no_flag_named_like_contact_is_not_personal(values):
    assert personal_columns(pl.DataFrame({"Do Not Email": values})) == {}


def test_mask_personal_scrubs_contacts_inside_canonical_text_fields():
    t = pl.DataFrame({"lead_id": ["1"], "lost_reason": ["asked bob.smith@acme.example"],
                      "campaign": ["call +44 20 7946 0018"]})
    out = mask_personal(t, key="k")
    assert "acme.example" not in out["lost_reason"][0] and "7946" not in out["campaign"][0]
    assert out["lead_id"].to_list() == ["1"]


def test_mask_personal_replaces_known_names_inside_free_text():
    t = pl.DataFrame({"First Name": ["Carl", "Dina"], "Last Name": ["Doe", "Ray"],
                      "note": ["spoke to carl DOE", "met Dina Ray at booth; Raymond too"],
                      "owner": ["Dina Ray", "Tom"]})
    out = mask_personal(t, key="k")
    assert out["note"].to_list() == ["spoke to [name] [name]",
                                     "met [name] [name] at booth; Raymond too"]
    assert out["owner"].to_list() == ["Dina Ray", "Tom"]


def test_scrubber_keeps_a_reps_whole_name_that_shares_a_word_with_a_lead():
    s = Scrubber(key=b"k", names=["Park", "Zebulon"], keep=["Lena Park"])
    assert s.text("Lena Park called Zebulon Park") == "Lena Park called [name] [name]"
    assert s.series(pl.Series(["owner: Lena Park", "Park"])).to_list() == [
        "owner: Lena Park", "[name]"]


def test_report_names_the_sample_rep_whose_surname_a_lead_shares():
    ds = load_sample()
    assert "Park" in name_words([ds.leads], [["Last Name"]])  # a lead is a Park too
    assert dataset_scrubber(ds, key="k").text("owner: Lena Park") == "owner: Lena Park"


def test_personal_columns_dotted_dates_are_not_phones():
    assert personal_columns(pl.DataFrame({"Expected close": ["30.06.2024", "01.05.2024"]})) == {}


@pytest.mark.parametrize("values", [["0711-12-3456", "0711-12-3457"], ["06.12.34.56.78"]])
def test_personal_columns_phones_shaped_like_dates_stay_phones(values):
    assert personal_columns(pl.DataFrame({"Notes": values})) == {"Notes": "phone"}


@pytest.mark.parametrize(("text", "kept"), [
    ("Called on 30.06.2024 10:00", True), ("Meeting 2024-06-30 10:11", True),
    ("ring 06.12.34.56.78 now", False), ("Tel. 0711-12-3456 ab 14 Uhr", False),
])
def test_scrubber_keeps_dates_and_replaces_phones_in_text(text, kept):
    assert (Scrubber(key=b"k", names=[]).text(text) == text) is kept


@pytest.mark.parametrize("text", ["Rückruf 30.06.24 555-1234", "2024-06-30 555-1234"])
def test_scrubber_replaces_a_phone_right_after_a_date(text):
    out = Scrubber(key=b"k", names=[]).text(text)
    assert "555-1234" not in out and out.split()[-2] in ("30.06.24", "2024-06-30")


_COMPACT_TEXT = ["met Zebulon at the fair", "Web", None, "mail ann@example.com", "Web"]


def test_scrubber_scrubs_a_compact_column_as_its_text_and_keeps_it_compact():
    s = Scrubber(key=b"k", names=["Zebulon"])
    compact = s.series(pl.Series("note", _COMPACT_TEXT, dtype=pl.Categorical))
    assert (isinstance(compact.dtype, pl.Categorical), compact.cast(pl.String).to_list()) == (
        True, s.series(pl.Series("note", _COMPACT_TEXT)).to_list())


def test_scrubber_returns_a_compact_column_with_nothing_personal_as_it_is():
    column = pl.Series("source", ["Web", "Fair", None, "Web"], dtype=pl.Categorical)
    assert Scrubber(key=b"k", names=["Zebulon"]).series(column) is column


def test_mask_personal_masks_a_compact_column_as_its_text():
    names = ["Ann Lee", None, "Bo Chan", "Ann Lee"]
    compact = mask_personal(pl.DataFrame({"Name": pl.Series(names, dtype=pl.Categorical)}),
                            columns={"Name": "name"}, key="k")["Name"]
    assert (isinstance(compact.dtype, pl.Categorical), compact.cast(pl.String).to_list()) == (
        True, mask_personal(pl.DataFrame({"Name": names}), columns={"Name": "name"},
                            key="k")["Name"].to_list())


def test_scrubbed_compact_column_written_to_parquet_holds_no_original_label(tmp_path):
    # the scrubbed column shares its categories with the original, which hold the name
    s = Scrubber(key=b"k", names=["Zebulon"])
    path = tmp_path / "notes.parquet"
    pl.DataFrame([s.series(pl.Series("note", _COMPACT_TEXT, dtype=pl.Categorical))]
                 ).write_parquet(path)
    assert (b"Zebulon" in path.read_bytes(), b"ann@example.com" in path.read_bytes()) == (
        False, False)
