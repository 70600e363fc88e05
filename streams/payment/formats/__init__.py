"""Bank formats: payment orders out (ISO 20022 pain.001, the 1C exchange text), statements in (camt.053, 1C)."""
