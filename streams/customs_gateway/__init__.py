"""Customs gateways: the credentials with which a customs authority's system registers, releases or rejects."""
