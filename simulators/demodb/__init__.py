"""Demo ERP databases (Tiger and Netsis schemas) with deterministic, realistic Turkish data."""
