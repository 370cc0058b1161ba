"""Pure lead decisions: rules YAML text and lead data in, decisions out."""
