"""Purchase orders: goods bought abroad, from draft to approval, the supplier, receipt and closing."""
