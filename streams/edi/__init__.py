"""Partner EDI: UN/EDIFACT interchanges read and mapped, as pure data, to shipment commands."""
