"""Salesforce I/O over httpx: auth flows, REST queries, collections writes, typed errors."""
