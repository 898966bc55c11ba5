"""Reads of the pipeline that encode a rule: one module per page or resource."""
