"""The org over HTTP: Salesforce's REST and OAuth resources and the `/__sfsim__/` controls."""
