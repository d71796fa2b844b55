"""The mapping engine (F8): defaults and overrides, managed fields, configuration errors, and
MAPPING errors that name the field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from lxml import etree
from pydantic import ValidationError

from integrator.errors import MappingFailed, ValidationFailed
from integrator.translators import (
    LogoDocument,
    MappingContext,
    NetsisDocument,
    plan_for,
    translate,
)
from tests.fixtures.common import netsis_set, tiger_set
from tests.fixtures.mapping import check_logo, record, record_element, text_of

ACCOUNT = """<Account crmId="F-1" code="">
  <Field name="Code">120.01.001</Field><Field name="Title">Ağaç İşleri Ltd.</Field>
  <Field name="Email"></Field><Field name="City">Çorum</Field></Account>"""
QUOTE = """<Quote crmId="Q-1" warehouse="2"><Account code="120.01.001"/>
  <Field name="Date">2026-11-23</Field>
  <Lines><Line><Product code="MLZ-1"/><Field name="Quantity">2</Field>
  <Field name="UnitPrice">10.5</Field></Line></Lines></Quote>"""


def logo(entity: str, xml: str, ctx: MappingContext) -> etree._Element:
    document = translate(entity, record(xml, entity), ctx)  # type: ignore[arg-type]
    assert isinstance(document, LogoDocument)
    return record_element(check_logo(document.xml))


def netsis(entity: str, xml: str, ctx: MappingContext) -> dict[str, Any]:
    document = translate(entity, record(xml, entity), ctx)  # type: ignore[arg-type]
    assert isinstance(document, NetsisDocument)
    return document.body


def failure(entity: str, xml: str, ctx: MappingContext) -> MappingFailed:
    with pytest.raises(MappingFailed) as caught:
        translate(entity, record(xml, entity), ctx)  # type: ignore[arg-type]
    assert caught.value.code == "MAPPING"
    assert caught.value.status == 422
    return caught.value


# -- defaults ---------------------------------------------------------------------------------------
def test_a_set_without_mappings_works_tiger_f8() -> None:
    ctx = MappingContext.for_user(tiger_set(), "ayse")
    account = logo("account", ACCOUNT, ctx)
    assert text_of(account, "CODE") == "120.01.001"
    assert text_of(account, "TITLE") == "Ağaç İşleri Ltd."
    assert text_of(account, "CITY") == "Çorum"
    assert text_of(account, "E_MAIL") == ""           # sent empty: written empty
    assert text_of(account, "TELEPHONE1") is None      # not sent: not written
    order = logo("order", QUOTE, ctx)
    assert text_of(order, "SALESMAN_CODE") == "S01"
    assert text_of(order, "SOURCE_WH") == "2"
    line = order.find("TRANSACTIONS/TRANSACTION")
    assert line is not None
    assert text_of(line, "MASTER_CODE") == "MLZ-1"
    assert text_of(line, "QUANTITY") == "2"


def test_a_set_without_mappings_works_netsis_f8() -> None:
    ctx = MappingContext.for_user(netsis_set(), "ayse")
    body = netsis("account", ACCOUNT, ctx)
    assert body["CariTemelBilgi"]["CARI_ISIM"] == "Ağaç İşleri Ltd."
    assert body["CariTemelBilgi"]["EMAIL"] == ""
    assert body["CariEkBilgi"] == {"CARI_KOD": "120.01.001"}
    order = netsis("order", QUOTE, ctx)
    assert order["FatUst"]["CariKod"] == "120.01.001"
    assert "PLA_KODU" not in order["FatUst"]          # ayse has no salesman in this set
    assert order["Kalems"][0]["DEPO_KODU"] == 2
    assert order["Kalems"][0]["STra_NF"] == 10.5


def test_a_set_mapping_replaces_the_defaults_of_its_crm_field_f8() -> None:
    own = tiger_set(mappings={"account": [{"crm": "Title", "erp": "TITLE2"}]})
    plan = plan_for(own, "account")
    title_rules = [r for r in plan.header if r.crm == "Title"]
    assert [(r.name, r.origin) for r in title_rules] == [("TITLE2", "mappings.account[0]")]
    # TITLE is now unmapped, and the ERP requires it
    error = failure("account", ACCOUNT, MappingContext.for_user(own))
    assert [(d.path, d.text) for d in error.details] == [
        ("@TITLE", "TITLE is required and no CRM field is mapped to it")]
    both = tiger_set(mappings={"account": [{"crm": "Title", "erp": "TITLE2"},
                                           {"crm": "Title", "erp": "TITLE"}]})
    element = logo("account", ACCOUNT, MappingContext.for_user(both))
    assert text_of(element, "TITLE2") == text_of(element, "TITLE") == "Ağaç İşleri Ltd."


def test_a_set_mapping_takes_an_erp_field_from_the_defaults_forward_only_f8() -> None:
    own = tiger_set(mappings={"account": [{"crm": "CompanyName_Custom", "erp": "TITLE"}]})
    plan = plan_for(own, "account")
    default_title = next(r for r in plan.header if r.crm == "Title")
    assert (default_title.forward, default_title.backward) == (False, True)
    element = logo("account", ACCOUNT.replace(
        "</Account>", '<Field name="CompanyName_Custom">Özel Ünvan</Field></Account>'),
        MappingContext.for_user(own))
    assert text_of(element, "TITLE") == "Özel Ünvan"


def test_unmapped_custom_fields_are_ignored_f8() -> None:
    element = logo("account", ACCOUNT.replace("</Account>",
                                              '<Field name="Whatever_Custom">x</Field></Account>'),
                   MappingContext.for_user(tiger_set()))
    assert "x" not in etree.tostring(element, encoding="unicode")


def test_custom_field_to_an_unknown_tag_and_a_netsis_section_f8() -> None:
    ctx = MappingContext.for_user(tiger_set(mappings={"order": [
        {"crm": "Ref_Custom", "erp": "EXTERNAL_REF"}]}))
    order = logo("order", QUOTE.replace("<Lines>", '<Field name="Ref_Custom">R-1</Field><Lines>'),
                 ctx)
    assert text_of(order, "EXTERNAL_REF") == "R-1"
    nctx = MappingContext.for_user(netsis_set(mappings={"account": [
        {"crm": "Extra_Custom", "erp": "CariEkBilgi.Kull7S"},
        {"crm": "Other_Custom", "erp": "NEW_PROP"}]}))
    body = netsis("account", ACCOUNT.replace("</Account>", '<Field name="Extra_Custom">ş</Field>'
                  '<Field name="Other_Custom">ğ</Field></Account>'), nctx)
    assert body["CariEkBilgi"]["Kull7S"] == "ş"
    assert body["CariTemelBilgi"]["NEW_PROP"] == "ğ"


def test_time_is_packed_from_the_date_or_the_time_field_f8() -> None:
    ctx = MappingContext.for_user(tiger_set())
    order = logo("order", QUOTE.replace("2026-11-23", "2026-11-23T12:12:12"), ctx)
    assert text_of(order, "DATE") == "23.11.2026"
    assert text_of(order, "TIME") == "202116096"      # 12:12:12 as in Logo's own export
    order = logo("order", QUOTE.replace("<Lines>", '<Field name="Time">08:05</Field><Lines>'), ctx)
    assert text_of(order, "TIME") == str(8 * 2**24 + 5 * 2**16)
    assert text_of(logo("order", QUOTE, ctx), "TIME") is None


def test_dispatch_type_and_netsis_series_come_from_settings_f8() -> None:
    ctx = MappingContext.for_user(tiger_set(settings={"dispatch_type": 7}))
    assert text_of(logo("dispatch", QUOTE, ctx), "TYPE") == "7"
    nctx = MappingContext.for_user(netsis_set(settings={
        "netsis_series": {"order": "AB", "dispatch": "IR", "quote": "TK"},
        "netsis_price_options": {"conditional": False, "by_stock_card": True,
                                 "by_price_system": True}}))
    body = netsis("dispatch", QUOTE, nctx)
    assert (body["FaturaTip"], body["Seri"], body["FatUst"]["Tip"]) == (2, "IR", 2)
    # every line carries its price: saved as priced, the options off (the quote's agreed prices)
    assert (body["KosulluHesapla"], body["StokKartinaGoreHesapla"],
            body["FiyatSistemineGoreHesapla"]) == (False, False, False)
    unpriced = netsis("dispatch", QUOTE.replace('<Field name="UnitPrice">10.5</Field>', ""), nctx)
    assert (unpriced["KosulluHesapla"], unpriced["StokKartinaGoreHesapla"],
            unpriced["FiyatSistemineGoreHesapla"]) == (False, True, True)
    assert netsis("quote", QUOTE, nctx)["FaturaTip"] == 15


def test_empty_netsis_numbers_are_left_unset_f8() -> None:
    body = netsis("order", QUOTE.replace('<Field name="UnitPrice">10.5</Field>',
                                         '<Field name="UnitPrice"></Field>'),
                  MappingContext.for_user(netsis_set()))
    assert "STra_BF" not in body["Kalems"][0]
    assert "STra_NF" not in body["Kalems"][0]
    json.dumps(body)


def test_if_target_empty_against_the_current_record_on_insert_f8() -> None:
    own = tiger_set(mappings={"account": [{"crm": "City", "erp": "CITY", "copy": "if_target_empty"}]})
    ctx = MappingContext.for_user(own).with_current({"CITY": "Ankara"})
    assert text_of(logo("account", ACCOUNT, ctx), "CITY") is None
    ctx = MappingContext.for_user(own).with_current({"CITY": "  "})
    assert text_of(logo("account", ACCOUNT, ctx), "CITY") == "Çorum"


def test_plans_are_cached_per_set_object_f8() -> None:
    first = tiger_set()
    assert plan_for(first, "account") is plan_for(first, "account")
    assert plan_for(tiger_set(), "account") is not plan_for(first, "account")


# -- configuration errors ---------------------------------------------------------------------------
@pytest.mark.parametrize(("mappings", "message"), [
    ({"account": [{"crm": "X", "erp": "TITLE", "converters": ["eval"]}]}, "unknown converter"),
    ({"account": [{"crm": "X", "erp": "TITLE", "converters": ["truncate(0)"]}]}, "whole number"),
    ({"order": [{"crm": "X", "erp": "DOC_NUMBER"}]}, "filled by the service"),
    ({"order": [{"crm": "X", "erp": "SOURCE_WH"}]}, "filled by the service"),
    ({"order": [{"crm": "X", "erp": "ARP_CODE"}]}, "filled by the service"),
    ({"line": [{"crm": "X", "erp": "MASTER_CODE"}]}, "filled by the service"),
    ({"order": [{"crm": "X", "erp": "TOTAL_NET"}]}, "computed by the ERP"),
    ({"order": [{"crm": "X", "erp": "TRANSACTIONS"}]}, "document structure"),
    ({"account": [{"crm": "X", "erp": "A B"}]}, "not an XML tag name"),
    ({"quote": [{"crm": "X", "erp": "NOTES1"}]}, "quotes exist only in Netsis"),
])
def test_invalid_tiger_mappings_are_configuration_errors_f8(mappings: dict[str, Any],
                                                           message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        tiger_set(mappings=mappings)


@pytest.mark.parametrize(("mappings", "message"), [
    ({"account": [{"crm": "X", "erp": "Foo.BAR"}]}, "section 'Foo'"),
    ({"account": [{"crm": "X", "erp": "CariEkBilgi.CARI_ISIM"}]}, "belongs to CariTemelBilgi"),
    ({"order": [{"crm": "X", "erp": "EKACK1"}]}, "filled by the service"),
    ({"order": [{"crm": "X", "erp": "CariKod"}]}, "filled by the service"),
    ({"line": [{"crm": "X", "erp": "DEPO_KODU"}]}, "filled by the service"),
    ({"order": [{"crm": "X", "erp": "FaturaTip"}]}, "filled by the service"),
    ({"account": [{"crm": "X", "erp": "a-b"}]}, "not a JSON property name"),
])
def test_invalid_netsis_mappings_are_configuration_errors_f8(mappings: dict[str, Any],
                                                            message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        netsis_set(mappings=mappings)


def test_reading_a_managed_field_back_is_allowed_f8() -> None:
    own = tiger_set(mappings={"order": [
        {"crm": "ErpNumber", "erp": "NUMBER", "direction": "erp_to_crm"},
        {"crm": "Total", "erp": "TOTAL_NET", "direction": "erp_to_crm"}]})
    assert {r.crm for r in plan_for(own, "order").header_backward} >= {"ErpNumber", "Total"}


async def test_put_set_with_an_invalid_mapping_is_validation_f8(client: Any) -> None:
    from tests.fixtures.common import AUTH

    body = ("<IntegrationSet erp=\"tiger\" firm=\"1\" period=\"1\">"
            "<Logo url=\"http://127.0.0.1:9/x\" securityCode=\"s\"/>"
            "<Database engine=\"sqlite\" connectionString=\"DRIVER={SQLite3};Database=/x.db\"/>"
            "<Credentials mode=\"shared\" user=\"L\" password=\"p\"/>"
            "<Mappings><Account><Map crm=\"T\" erp=\"TITLE\"><Converters><Converter>rm -rf"
            "</Converter></Converters></Map></Account></Mappings></IntegrationSet>")
    response = await client.put("/v1/sets/BAD-MAP", data=body.encode(), headers=AUTH)
    text = await response.text()
    assert response.status == 400, text
    assert 'code="VALIDATION"' in text
    assert "converter" in text


# -- MAPPING errors name the field ------------------------------------------------------------------
def test_a_bad_value_names_the_field_and_line_f8() -> None:
    xml = QUOTE.replace('<Field name="Quantity">2</Field>', '<Field name="Quantity">iki</Field>')
    for ctx in (MappingContext.for_user(tiger_set()), MappingContext.for_user(netsis_set())):
        error = failure("order", xml, ctx)
        assert [d.path for d in error.details] == ["Lines/Line[1]/Field[@name='Quantity']"]
        assert "'iki' is not a decimal number" in error.details[0].text


def test_characters_the_target_cannot_hold_are_mapping_errors_n7() -> None:
    # € is in cp1254 but not in ISO-8859-9; 漢 is in neither; ð (eth) is Latin-1 but not cp1254
    xml = ACCOUNT.replace("Ağaç İşleri Ltd.", "Ağaç € İşleri").replace("Çorum", "漢")
    error = failure("account", xml, MappingContext.for_user(tiger_set()))
    assert sorted(d.path or "" for d in error.details) == ["Field[@name='City']",
                                                           "Field[@name='Title']"]
    assert any("U+20AC" in d.text and "ISO-8859-9" in d.text for d in error.details)
    body = netsis("account", ACCOUNT.replace("Ağaç İşleri Ltd.", "Ağaç € İşleri"),
                  MappingContext.for_user(netsis_set()))
    assert body["CariTemelBilgi"]["CARI_ISIM"] == "Ağaç € İşleri"
    error = failure("account", ACCOUNT.replace("Çorum", "Ðorum"), MappingContext.for_user(netsis_set()))
    assert error.details[0].path == "Field[@name='City']"
    assert "cp1254" in error.details[0].text


def test_links_are_required_for_documents_f8() -> None:
    xml = QUOTE.replace('<Account code="120.01.001"/>', '<Account crmId="F-1" ref="4711"/>') \
        .replace('<Product code="MLZ-1"/>', '<Product crmId="P-1"/>')
    error = failure("order", xml, MappingContext.for_user(tiger_set()))
    assert {d.path for d in error.details} == {"Account/@code", "Lines/Line[1]/Product/@code"}
    # Netsis: the ref is the CARI_KOD, so an account linked by ref is enough
    body = netsis("order", xml.replace('<Product crmId="P-1"/>', '<Product ref="MLZ-1"/>'),
                  MappingContext.for_user(netsis_set()))
    assert body["FatUst"]["CariKod"] == "4711"


def test_the_quote_id_must_fit_whole_f8() -> None:
    xml = QUOTE.replace('crmId="Q-1"', 'crmId="' + "Q" * 33 + '"')
    error = failure("order", xml, MappingContext.for_user(tiger_set()))
    assert error.details[0].path == "@crmId"
    assert "DOC_NUMBER holds 32" in error.details[0].text
    assert logo("order", QUOTE.replace('crmId="Q-1"', 'crmId="' + "Q" * 32 + '"'),
                MappingContext.for_user(tiger_set())) is not None


def test_documents_need_lines_and_cards_need_required_fields_f8() -> None:
    error = failure("order", QUOTE.split("<Lines>")[0] + "</Quote>", MappingContext.for_user(tiger_set()))
    assert [d.path for d in error.details] == ["Lines"]
    error = failure("account", '<Account crmId="F-9"><Field name="Title"></Field></Account>',
                    MappingContext.for_user(tiger_set()))
    assert {(d.path, d.text) for d in error.details} == {
        ("Field[@name='Code']", "Code -> CODE: the ERP requires a value"),
        ("Field[@name='Title']", "Title -> TITLE: the ERP requires a value")}


def test_every_problem_is_reported_at_once_f8() -> None:
    lines = "".join(f'<Line><Product code="M{i}"/><Field name="Quantity">x{i}</Field></Line>'
                    for i in range(3))
    xml = QUOTE.split("<Lines>")[0] + f"<Lines>{lines}</Lines></Quote>"
    error = failure("order", xml, MappingContext.for_user(netsis_set()))
    assert [d.path for d in error.details] == [
        f"Lines/Line[{i}]/Field[@name='Quantity']" for i in (1, 2, 3)]
    assert "3 problems" in error.message


def test_a_value_repeated_on_every_line_is_written_and_refused_on_every_line_f8() -> None:
    """Lines remember what they wrote for a value during a document, never what they refused."""
    line = ('<Line><Product code="M{i}"/><Field name="Quantity">{q}</Field>'
            '<Field name="UnitPrice">10.5</Field><Field name="Notes">{note}</Field></Line>')
    lines = "".join(line.format(i=i, q="beş" if i % 2 else "5", note="Soğuk € zincir")
                    for i in range(4))
    xml = QUOTE.split("<Lines>")[0] + f"<Lines>{lines}</Lines></Quote>"
    error = failure("order", xml, MappingContext.for_user(tiger_set()))
    assert [d.path for d in error.details] == [
        f"Lines/Line[{i}]/Field[@name='{name}']" for i in (1, 2, 3, 4)
        for name in (("Quantity", "Notes") if i % 2 == 0 else ("Notes",))]
    body = netsis("order", xml.replace("beş", "5"), MappingContext.for_user(netsis_set()))
    assert [(k["STra_GCMIK"], k["STra_BF"], k["STra_ACIK"], k["Sira"]) for k in body["Kalems"]] \
        == [(5, 10.5, "Soğuk € zincir", i) for i in (1, 2, 3, 4)]


def test_wrong_record_kind_and_entity_f8() -> None:
    with pytest.raises(ValidationFailed):
        translate("order", record(ACCOUNT, "account"), MappingContext.for_user(tiger_set()))
    with pytest.raises(MappingFailed, match="only in Netsis"):
        translate("quote", record(QUOTE, "quote"), MappingContext.for_user(tiger_set()))


@pytest.mark.parametrize("erp", ["tiger", "netsis"])
@pytest.mark.parametrize(("field", "rate"), [("Discount", "150"), ("Discount2", "-5"),
                                             ("Discount3", "100.01")])
def test_a_discount_outside_0_to_100_is_refused_not_a_negative_net_f23(
        erp: str, field: str, rate: str) -> None:
    """The last guard (the transfer refuses these before anything is written): a discount step
    outside 0–100 % would make a negative line net (Tiger a 150 % discount line, Netsis a
    negative STra_NF)."""
    ctx = MappingContext.for_user(tiger_set() if erp == "tiger" else netsis_set())
    xml = QUOTE.replace('<Field name="UnitPrice">10.5</Field>',
                        f'<Field name="UnitPrice">10.5</Field><Field name="{field}">{rate}</Field>')
    error = failure("order", xml, ctx)
    assert rate in error.details[0].text and "outside 0-100 %" in error.details[0].text
    if erp == "tiger":
        assert [d.path for d in error.details] == [f"Lines/Line[1]/Field[@name='{field}']"]
    else:
        assert [d.path for d in error.details] == ["Lines/Line[1]/Field[@name='UnitPrice']"]
    whole = QUOTE.replace('<Field name="UnitPrice">10.5</Field>',
                          f'<Field name="UnitPrice">10.5</Field><Field name="{field}">100</Field>')
    if erp == "tiger":
        lines = logo("order", whole, ctx).findall("TRANSACTIONS/TRANSACTION")
        assert [(t.findtext("TYPE"), t.findtext("DISCOUNT_RATE")) for t in lines] == [
            ("0", None), ("2", "100")]
    else:
        assert netsis("order", whole, ctx)["Kalems"][0]["STra_NF"] == 0


def test_tiger_lines_carry_three_discounts_and_their_campaign_f35() -> None:
    """A priced preview's discounts go out as discount lines in order, its campaign as
    CAMPAIGN_INFOS/CAMPAIGN_INFO/CAMPCODE1 on the item line; a slip with every price is priced."""
    ctx = MappingContext.for_user(tiger_set())
    xml = QUOTE.replace('<Field name="UnitPrice">10.5</Field>',
                        '<Field name="UnitPrice">10.5</Field><Field name="Discount">3</Field>'
                        '<Field name="Discount2">10</Field><Field name="Discount3">0</Field>'
                        '<Field name="Campaign">KIS2026</Field>')
    document = translate("order", record(xml, "order"), ctx)
    assert isinstance(document, LogoDocument) and document.priced
    lines = record_element(check_logo(document.xml)).findall("TRANSACTIONS/TRANSACTION")
    assert [(t.findtext("TYPE"), t.findtext("DISCOUNT_RATE")) for t in lines] == [
        ("0", None), ("2", "3"), ("2", "10")]
    assert lines[0].findtext("CAMPAIGN_INFOS/CAMPAIGN_INFO/CAMPCODE1") == "KIS2026"
    unpriced = translate("order", record(QUOTE.replace('<Field name="UnitPrice">10.5</Field>', ""),
                                         "order"), ctx)
    assert isinstance(unpriced, LogoDocument) and not unpriced.priced
