"""A simulated Salesforce org that speaks the REST wire format.

    org = sfsim.generate(seed="demo")            # or sfsim.Org() and your own records
    with sfsim.serve(org) as server:             # uvicorn on 127.0.0.1, HTTPS by default
        server.base_url, server.ca_file, server.access_token
        org.faults.unavailable = 2               # the control surface, in Python
    app = sfsim.create_app(org)                  # the bare ASGI app

Imports nothing of ours; only tests, benchmarks and the demo use it.
"""

from sfsim.clock import Clock
from sfsim.errors import SfError
from sfsim.faults import Faults
from sfsim.http.app import create_app
from sfsim.ids import make_id, to18
from sfsim.org import LeadStatusDef, Org, StageDef
from sfsim.people import Conversion, convert, delete, edit, hard_delete, log_activity, undelete
from sfsim.reqlog import LoggedRequest, WriteOutcome
from sfsim.schema import FieldDef
from sfsim.seed.generate import PRESETS, Config, generate
from sfsim.server import Server, serve
from sfsim.state import lead_states, record

__all__ = [
    "PRESETS",
    "Clock",
    "Config",
    "Conversion",
    "Faults",
    "FieldDef",
    "LeadStatusDef",
    "LoggedRequest",
    "Org",
    "Server",
    "SfError",
    "StageDef",
    "WriteOutcome",
    "convert",
    "create_app",
    "delete",
    "edit",
    "generate",
    "hard_delete",
    "lead_states",
    "log_activity",
    "make_id",
    "record",
    "serve",
    "to18",
    "undelete",
]
