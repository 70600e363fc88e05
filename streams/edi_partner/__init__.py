"""EDI partners: who may send a tenant interchanges, with which settings and API keys, and what became of them."""
