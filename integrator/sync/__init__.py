"""Account and product synchronisation between the CRM and the ERP, single and bulk (F9-F11,
F16-F18, F27 groundwork, N5; docs/sync.md).

* ``cards``   — ``Cards``: create/update one record in the ERP (idempotent, reconciled), read one
  back through the gateway;
* ``ledger``  — claims, remembered links and pending reconciliations in the shared store;
* ``listing`` — bulk ERP -> CRM reads streamed from the read-only SQL engine, keyset cursors;
* ``xml``     — the answers (``<Link>``, ``<Result>``, records, ``<Page>``).
"""
