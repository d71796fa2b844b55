"""Use cases: what the service does for the CRM, composed from the translators, the ERP gateways,
the read-only SQL engine and the shared store. Services return data, never XML; they hold the
business rules (idempotency, reconciliation, permissions, parameters).

* ``cards``      — accounts and products CRM -> ERP (create/update, idempotent, reconciled) and one
  record ERP -> CRM (F9, F10, F16, F17);
* ``ledger``     — claims, remembered links and pending reconciliations in the shared store;
* ``listing``    — bulk ERP -> CRM reads, streamed, with keyset ``cursor``s (F11, F18);
* ``lookups``    — search, statement, stock, warehouses, salesmen, named queries, custom fields
  (F4, F5, F7, F12-F14, F19-F21, F31);
* ``statements`` — the parameter values every statement may use; ``text`` — Turkish search rules;
* ``sets``       — the checks a set passes before it is loaded or registered.
"""
