"""The SOQL subset the simulator understands: tokens, a recursive-descent parser, evaluation."""
