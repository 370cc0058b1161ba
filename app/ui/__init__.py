"""The dashboard at `/ui`: server-rendered pages over the reports, for RevOps and admins."""
