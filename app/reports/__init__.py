"""Reports over the store: handoff status and SLA, win/loss, funnel, the rules report."""
