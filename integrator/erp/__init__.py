"""ERP gateways (the Messaging Gateway): LogoObjectService (Tiger/Go, SOAP) and NetOpenX REST
(Netsis, JSON) behind one interface (``gateway.Gateway``), reached through the hub
(``hub.ErpGateways``).

Each ERP family is split sans-I/O style: ``protocol.py`` builds requests and reads answers (pure,
golden-file tested; importing it loads no aiohttp), ``client.py`` does the I/O on the shared
``ClientSession`` through ``transport``. ``wire`` holds what both sides exchange, ``resilience``
the circuit breaker and the write limiter. Importing this package loads nothing.
"""
