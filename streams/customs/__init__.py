"""Customs: declarations, HS classification, duties and taxes, the FTS ESADout_CU XML and compliance."""
