"""The simulators accept requests exactly as public real clients send them: the AppendDataObject
envelope of research/logo-tiger.md §1.2 (logedosoft) and the token form and ItemSlips body of
research/netsis.md §1.2 / §1.6 (Merchanter, Atako, mcicekci samples)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from lxml import etree
from yarl import URL

from simulators.db import from_netsis
from tests.fixtures.erp import NETSIS_DB, NETSIS_DB_PASSWORD, SECURITY_CODE, Erp, document

# research/logo-tiger.md §1.2, with the "…" filled from the §3.3 template (logedosoft
# get_logo_xml): no LbsLoadPass, errorString or status elements, unquoted SOAPAction.
LOGEDOSOFT_ENVELOPE = """\
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tem="http://tempuri.org/">
 <soapenv:Body>
  <tem:AppendDataObject>
   <tem:dataType>30</tem:dataType>
   <tem:dataReference>0</tem:dataReference>
   <tem:dataXML><![CDATA[<?xml version="1.0" encoding="ISO-8859-9"?><AR_APS><AR_AP DBOP="INS">
  <ACCOUNT_TYPE>1</ACCOUNT_TYPE><CODE>120.05.077</CODE><TITLE>ÖZGÜR İLETİŞİM HİZMETLERİ LTD. ŞTİ.</TITLE>
  <CORRESP_LANG>1</CORRESP_LANG>
  <PERSCOMPANY>0</PERSCOMPANY><ADDRESS1>Atatürk Bulvarı 12</ADDRESS1><ADDRESS2>Kat 3</ADDRESS2>
  <TOWN>Çankaya</TOWN><CITY>Ankara</CITY><COUNTRY>Türkiye</COUNTRY><TAX_ID>6543210987</TAX_ID>
  <TAX_OFFICE>Çankaya</TAX_OFFICE>
  <PAYMENT_CODE>30GUN</PAYMENT_CODE><AUXIL_CODE>ERPNEXT</AUXIL_CODE><AUXIL_CODE5></AUXIL_CODE5>
  <PURCHBRWS>1</PURCHBRWS><SALESBRWS>1</SALESBRWS><IMPBRWS>1</IMPBRWS><EXPBRWS>1</EXPBRWS><FINBRWS>1</FINBRWS>
  <PROFILE_ID>2</PROFILE_ID>
</AR_AP></AR_APS>]]></tem:dataXML>
   <tem:paramXML><![CDATA[<Parameters><ReplicMode>0</ReplicMode><CheckParams>1</CheckParams><CheckRight>1</CheckRight><ApplyCampaign>1</ApplyCampaign><ApplyCondition>1</ApplyCondition><FillAccCodes>1</FillAccCodes><FormSeriLotLines>0</FormSeriLotLines><GetStockLinePrice>0</GetStockLinePrice><ExportAllData>1</ExportAllData><Validation>0</Validation><CheckApproveDate>0</CheckApproveDate><Period>01</Period></Parameters>]]></tem:paramXML>
   <tem:FirmNr>1</tem:FirmNr>
   <tem:securityCode>{security_code}</tem:securityCode>
  </tem:AppendDataObject>
 </soapenv:Body>
</soapenv:Envelope>"""

# research/netsis.md §1.2: the form every working sample sends
TOKEN_FORM = ("grant_type=password&branchcode=0&username=AYSE&password=ayse-erp-pw-33"
              "&dbname={dbname}&dbuser=TEMELSET&dbpassword={dbpassword}&dbtype=0")

# research/netsis.md §1.6, verbatim
ITEM_SLIP = """\
{"FaturaTip":7,"Seri":"W","KayitliNumaraOtomatikGuncellensin":true,"SeriliHesapla":false,
 "FatUst":{"Sube_Kodu":0,"Tip":7,"TIPI":2,"CariKod":"120-01-001","Tarih":"2025-05-02",
           "SIPARIS_TEST":"2025-05-09","KDV_DAHILMI":false,"EKACK1":"CRM-QUOTE-4711",
           "Aciklama":"from CRM"},
 "Kalems":[{"StokKodu":"STK001","DEPO_KODU":1,"STra_GCMIK":5,"STra_BF":120.0,"STra_NF":120.0,
            "STra_KDV":20,"Olcubr":1}]}"""


async def test_logo_accepts_the_logedosoft_envelope(logo: Erp) -> None:
    assert logo.integration_set.logo is not None
    body = LOGEDOSOFT_ENVELOPE.format(security_code=SECURITY_CODE).encode("utf-8")
    async with aiohttp.ClientSession() as session, session.post(
            logo.integration_set.logo.url, data=body,
            headers={"Content-Type": "text/xml;charset=UTF-8",
                     "SOAPAction": "http://tempuri.org/ISvc/AppendDataObject"}) as response:
        assert response.status == 200
        answer = etree.fromstring(await response.read())
    values = {etree.QName(e).localname: e.text for e in answer.iter() if len(e) == 0}
    assert values["status"] == "3", values.get("errorString")
    assert int(values["dataReference"] or 0) > 0
    row = logo.accounts("120.05.077")[0]
    assert row["LOGICALREF"] == int(values["dataReference"] or 0)
    assert row["DEFINITION_"] == "ÖZGÜR İLETİŞİM HİZMETLERİ LTD. ŞTİ."
    assert row["CARDTYPE"] == 1
    assert row["PAYMENTREF"] == 1  # PAYMENT_CODE resolved to LG_001_PAYPLANS


async def _token(session: aiohttp.ClientSession, base: str) -> str:
    form = TOKEN_FORM.format(dbname=NETSIS_DB, dbpassword=NETSIS_DB_PASSWORD)
    async with session.post(base + "token", data=form,
                            headers={"Content-Type": "application/x-www-form-urlencoded"}) as r:
        assert r.status == 200
        answer = await r.json()
    assert answer["token_type"] == "bearer"
    assert answer["expires_in"] > 0
    return str(answer["access_token"])


async def test_netsis_accepts_the_public_item_slip_body(netsis: Erp) -> None:
    assert netsis.integration_set.netsis is not None
    base = netsis.integration_set.netsis.url
    async with aiohttp.ClientSession() as session:
        token = await _token(session, base)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        async with session.post(base + "ItemSlips", data=ITEM_SLIP.encode(),
                                headers=headers) as response:
            assert response.status == 200
            result: dict[str, Any] = await response.json()
    assert result["IsSuccessful"] is True, result["ErrorDesc"]
    header = result["Data"]["FatUst"]
    assert header["FATIRS_NO"] == "W00000000000001"  # 15 characters from the series
    assert header["GENELTOPLAM"] == 720.0
    order = netsis.rows("SELECT * FROM TBLSIPAMAS WHERE FATIRS_NO = ?", "W00000000000001")[0]
    assert (order["FTIRSIP"], order["CARI_KODU"], order["SUBE_KODU"]) == ("6", "120-01-001", 0)
    extras = netsis.rows("SELECT ACIK1 FROM TBLFATUEK WHERE FATIRSNO = ?", "W00000000000001")
    assert extras[0]["ACIK1"] == "CRM-QUOTE-4711"
    lines = netsis.rows("SELECT * FROM TBLSIPATRA WHERE FISNO = ?", "W00000000000001")
    assert [(r["STOK_KODU"], r["STHAR_GCMIK"], r["DEPO_KODU"]) for r in lines] == \
        [("STK001", 5, 1)]


async def test_netsis_binds_camel_case_and_enum_names(netsis: Erp) -> None:
    """Atako serialises with camelCase, MobileSales sends the enum name (research §1.3)."""
    assert netsis.integration_set.netsis is not None
    base = netsis.integration_set.netsis.url
    body = json.loads(ITEM_SLIP)
    camel = {"faturaTip": "ftSSip", "seri": "W", "kayitliNumaraOtomatikGuncellensin": True,
             "fatUst": {k[0].lower() + k[1:]: v for k, v in body["FatUst"].items()},
             "kalems": body["Kalems"]}
    async with aiohttp.ClientSession() as session:
        token = await _token(session, base)
        async with session.post(base + "ItemSlips", json=camel,
                                headers={"Authorization": f"Bearer {token}"}) as response:
            result = await response.json()
    assert result["IsSuccessful"] is True, result["ErrorDesc"]
    assert result["Data"]["FatUst"]["FATIRS_NO"] == "W00000000000001"


async def test_netsis_three_part_ids_with_escaped_parts(netsis: Erp) -> None:
    """A cari code with ``/`` and a space survives as one id part (verii's example shape)."""
    account = netsis.payload("account", **{"120-01-900": "TED/001 A"})
    await netsis.gateway.create(netsis.call, document("account", account))
    order = netsis.payload("order", **{'"120-01-001"': '"TED/001 A"'})
    key = await netsis.gateway.create(netsis.call, document("order", order))
    assert key.account == "TED/001 A"
    assert netsis.integration_set.netsis is not None
    base = netsis.integration_set.netsis.url
    async with aiohttp.ClientSession() as session:
        token = await _token(session, base)
        url = f"{base}ItemSlips/ftSSip;{key.number};TED%2F001%20A"
        async with session.get(URL(url, encoded=True),
                               headers={"Authorization": f"Bearer {token}"}) as response:
            found = await response.json()
        assert found["Data"]["FatUst"]["CariKod"] == "TED/001 A"
        # the POST Delete alternative of research §1.8
        async with session.post(base + "ItemSlips/Delete", headers={
                "Authorization": f"Bearer {token}"}, json={
                "CustomerCode": "TED/001 A", "DocumentNumber": key.number,
                "DocumentType": 7}) as response:
            deleted = await response.json()
    assert deleted["IsSuccessful"] is True
    assert netsis.documents() == 0
    assert from_netsis(netsis.accounts("TED/001 A")[0]["CARI_ISIM"]).startswith("ŞİŞLİ")


async def test_netsis_denies_without_a_token(netsis: Erp) -> None:
    assert netsis.integration_set.netsis is not None
    async with aiohttp.ClientSession() as session, session.get(
            netsis.integration_set.netsis.url + "ARPs/120-01-001") as response:
        assert response.status == 401
        assert (await response.json())["Message"] == \
            "Authorization has been denied for this request."
