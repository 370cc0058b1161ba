"""A simulated Salesforce org that speaks the REST wire format."""
