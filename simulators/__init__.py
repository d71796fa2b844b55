"""Test doubles of the ERPs: LogoObjectService and NetOpenX REST simulators and the demo databases.

Used by the tests, the benchmarks and ``integrator demo``; never by the service in production.
"""
