"""The schools' portal (issue 18): server-rendered pages over billing's services, served by `traded serve`.

Like cli/, a front door: it may import billing, invoices, contracts and pricing;
nothing imports it but cli/serve.py.
"""
