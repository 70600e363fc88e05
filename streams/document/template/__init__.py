"""Document templates: a tenant's texts for the documents it issues, filled from a linked object's read model."""
