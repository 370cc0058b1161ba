"""`handoff demo`: the whole loop on the simulated org and SQLite, then the API, in one process.

`loop` runs it; `org` starts the simulated org and renders the sample rules for it; `settings`
is the demo's configuration; `api` serves the API beside it; `summary` words what the run did.
"""
