"""Updates (F9, F16): Tiger/Go = the exported record with only the mapped fields changed and
DBOP="UPD"; Netsis = PUT ARPs/{code} / Items/{code} of the mapped fields."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from integrator.errors import MappingFailed
from integrator.translators import LogoDocument, NetsisDocument, translate_update
from tests.fixtures.mapping import GOLDEN, check_logo, context, record, record_element


def _leaves(element: etree._Element) -> dict[str, str]:
    return {el.getroottree().getpath(el): el.text or "" for el in element.iter() if len(el) == 0}


def test_only_mapped_fields_change_f9() -> None:
    current = (GOLDEN / "tiger" / "account-update.current.xml").read_bytes()
    crm = record((GOLDEN / "tiger" / "account-update.in.xml").read_bytes(), "account")
    document = translate_update("account", crm, context("tiger"), current)
    assert isinstance(document, LogoDocument)
    assert (document.operation, document.data_type) == ("UPD", 30)
    before = _leaves(etree.fromstring(current))
    after = _leaves(check_logo(document.xml))
    changed = {path: (before.get(path), value) for path, value in after.items()
               if before.get(path) != value}
    assert changed == {
        "/AR_APS/AR_AP/TITLE": ("ŞİŞLİ GIDA SANAYİ VE TİCARET A.Ş.",
                                "ŞİŞLİ GIDA SANAYİ VE TİCARET A.Ş. (YENİ ÜNVAN)"),
        "/AR_APS/AR_AP/AUXIL_CODE2": ("GDA", "SGL"),
        "/AR_APS/AR_AP/ADDRESS2": ("Esentepe Mah.", ""),
        "/AR_APS/AR_AP/CONTACT": ("", "Ayşe Yılmaz"),             # if_target_empty: was empty
        "/AR_APS/AR_AP/E_MAIL": ("eski@sisligida.com.tr", "satış@şişligıda.com.tr"),
    }
    assert set(before) <= set(after)                               # nothing of the ERP's is lost
    assert record_element(check_logo(document.xml)).get("DBOP") == "UPD"


def test_update_accepts_text_and_a_bare_record_and_adds_new_tags_f9() -> None:
    current = ('<?xml version="1.0" encoding="ISO-8859-9"?>'
               "<AR_AP DBOP=\"INS\"><INTERNAL_REFERENCE>5</INTERNAL_REFERENCE><CODE>C1</CODE>"
               "<TITLE>Eski</TITLE><XTRA_TAG>kalsın</XTRA_TAG></AR_AP>")
    crm = record('<Account code="C1"><Field name="Title">Yeni Ünvan</Field>'
                 '<Field name="City">Muğla</Field></Account>', "account")
    document = translate_update("account", crm, context("go"), current)
    assert isinstance(document, LogoDocument)
    root = check_logo(document.xml)
    assert root.tag == "AR_APS"
    element = record_element(root)
    assert [(child.tag, child.text) for child in element] == [
        ("INTERNAL_REFERENCE", "5"), ("CODE", "C1"), ("TITLE", "Yeni Ünvan"),
        ("XTRA_TAG", "kalsın"), ("CITY", "Muğla")]
    # no insert-only constants on an update
    assert element.find("ACCOUNT_TYPE") is None
    assert element.find("PURCHBRWS") is None


def test_documents_are_not_updated_f29() -> None:
    crm = record((GOLDEN / "tiger" / "order-lines.in.xml").read_bytes(), "order")
    with pytest.raises(MappingFailed, match="F29"):
        translate_update("order", crm, context("tiger"), b"<SALES_ORDERS/>")
    with pytest.raises(TypeError):
        translate_update("account", record("<Account code='X'/>", "account"), context("tiger"),
                         None)


def test_a_current_record_that_is_not_logo_xml_is_an_error_f9() -> None:
    crm = record("<Account code='X'><Field name='Title'>T</Field></Account>", "account")
    with pytest.raises(MappingFailed, match="not a Logo AR_APS/AR_AP"):
        translate_update("account", crm, context("tiger"), b"<ITEMS><ITEM/></ITEMS>")
    with pytest.raises(MappingFailed, match="not well-formed"):
        translate_update("account", crm, context("tiger"), b"<AR_APS><AR_AP>")


def test_netsis_update_is_the_whole_record_with_the_mapped_fields_changed_f9() -> None:
    crm = record((GOLDEN / "netsis" / "account-update.in.xml").read_bytes(), "account")
    current = json.loads((GOLDEN / "netsis" / "account-update.current.json").read_bytes())
    document = translate_update("account", crm, context("netsis"), current)
    assert isinstance(document, NetsisDocument)
    assert (document.method, document.path) == ("PUT", "ARPs/120-01-İST1")
    temel = document.body["CariTemelBilgi"]
    assert temel["CARI_KOD"] == "120-01-İST1"                     # the link, not the Code field
    assert temel["CARI_TEL"] == "+90 212 000 00 00"               # if_target_empty: ERP has one
    assert temel["EMAIL"] == "yeni@şişligıda.com.tr"               # if_target_empty: ERP's empty
    assert temel["CARI_TIP"] == "A"                                # kept, not an insert constant
    # every property of the current record is sent back; only the mapped ones changed
    changed = {"CARI_ISIM", "CARI_IL", "EMAIL", "RAPOR_KODU2"}
    for section, properties in current.items():
        for name, value in properties.items():
            assert name in document.body[section], (section, name)
            if name not in changed:
                assert document.body[section][name] == value, (section, name)
    assert current["CariTemelBilgi"]["CARI_ISIM"] == "ŞİŞLİ GIDA SANAYİ VE TİCARET A.Ş."  # as read


def test_netsis_update_keeps_the_spelling_of_the_current_record_f9() -> None:
    crm = record((GOLDEN / "netsis" / "account-update.in.xml").read_bytes(), "account")
    current = {"caritemelbilgi": {"cari_kod": "120-01-İST1", "CARI_ISIM": "ESKİ", "Ozel": 7},
               "CariEkBilgi": {"Kull1S": "X"}}
    document = translate_update("account", crm, context("netsis"), current)
    assert isinstance(document, NetsisDocument)
    temel = document.body["caritemelbilgi"]
    assert "CariTemelBilgi" not in document.body
    assert temel["cari_kod"] == "120-01-İST1" and "CARI_KOD" not in temel
    assert (temel["CARI_ISIM"], temel["Ozel"]) == ("ŞİŞLİ GIDA A.Ş. (YENİ)", 7)
    assert document.body["CariEkBilgi"] == {"Kull1S": "X", "CARI_KOD": "120-01-İST1"}
    with pytest.raises(TypeError, match="Data of a GET"):
        translate_update("account", crm, context("netsis"), None)


def test_netsis_update_needs_the_link_f9() -> None:
    crm = record("<Account><Field name='Title'>T</Field></Account>", "account")
    with pytest.raises(MappingFailed, match="needs its link"):
        translate_update("account", crm, context("netsis"), {})
