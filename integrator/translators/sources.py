"""The values the service owns, read from the CRM record and the context (``managed`` and
``fallback`` sources of the translators' ``direct`` lists).

Each takes (record, parent document or None, context) and returns text or None.
"""

from __future__ import annotations

from integrator.model import CrmRecord
from integrator.model.quotes import quote_stamp as stamp_of
from integrator.translators.context import MappingContext

# what a document needs linked before it can go to the ERP (shared by Tiger/Go and Netsis)
ACCOUNT_REQUIRED = ("the quote's account has no ERP code (link); transfer the account first or "
                    "enable settings.auto_create_account")
PRODUCT_REQUIRED = "the line's product has no ERP code (link); transfer the product first"


def link_code(record: CrmRecord, parent: CrmRecord | None, ctx: MappingContext) -> str | None:
    """The ERP code of the record's own link (Tiger/Go ``CODE``)."""
    return record.code


def link_key(record: CrmRecord, parent: CrmRecord | None, ctx: MappingContext) -> str | None:
    """The Netsis key of the record's link: ``CARI_KOD`` / ``STOK_KODU`` (code, else ref)."""
    return record.code or record.ref


def account_code(record: CrmRecord, parent: CrmRecord | None, ctx: MappingContext) -> str | None:
    """The ERP code of the document's account (``<Account code=...>``)."""
    account = record.account
    return account.code if account is not None and account.code else None


def account_key(record: CrmRecord, parent: CrmRecord | None, ctx: MappingContext) -> str | None:
    account = record.account
    if account is None:
        return None
    return account.code or account.ref


def product_code(record: CrmRecord, parent: CrmRecord | None, ctx: MappingContext) -> str | None:
    """The ERP code of a line's product (``<Product code=...>``)."""
    product = record.product
    return product.code if product is not None and product.code else None


def product_key(record: CrmRecord, parent: CrmRecord | None, ctx: MappingContext) -> str | None:
    product = record.product
    if product is None:
        return None
    return product.code or product.ref


def quote_id(record: CrmRecord, parent: CrmRecord | None, ctx: MappingContext) -> str | None:
    """The CRM quote id, carried into the ERP for reconciliation (docs/mapping.md)."""
    return record.crm_id


def quote_stamp(record: CrmRecord, parent: CrmRecord | None, ctx: MappingContext) -> str | None:
    """The stamp of the quote (``model.quotes``): the transfer's own, else computed here."""
    return ctx.quote_stamp or stamp_of(record)


def warehouse(record: CrmRecord, parent: CrmRecord | None, ctx: MappingContext) -> str | None:
    """The quote's warehouse (Tiger/Go ambar number, Netsis DEPO_KODU)."""
    document = parent if parent is not None else record
    return str(document.warehouse) if document.warehouse is not None else None


def salesman(record: CrmRecord, parent: CrmRecord | None, ctx: MappingContext) -> str | None:
    """The acting user's ERP salesman (the set's sales-rep mapping, F7)."""
    return ctx.salesman or None


def branch(record: CrmRecord, parent: CrmRecord | None, ctx: MappingContext) -> str | None:
    """The Netsis branch (SUBE_KODU) of the set."""
    value = ctx.integration_set.branch
    return str(value) if value is not None else None
