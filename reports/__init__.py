"""Scheduled compliance reports: a tenant's period assembled from the read models, rendered as PDF and XLSX.

`periods` says which period is due for a schedule and where it starts and ends; `content` turns read-model rows
into the report's sections (pure); `render` makes the HTML, the PDF (WeasyPrint) and the XLSX (polars) from them;
`read` fetches a tenant's rows under row-level security. The Dagster side is pipelines/reports.py.
"""
