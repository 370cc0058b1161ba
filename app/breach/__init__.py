"""SLA breach actions: the `sla.on_breach` steps a run records, and the outbox that delivers
breach notifications (from a run or the scheduler, never from a request handler)."""
