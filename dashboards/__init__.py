"""Analytics dashboards as data: a panel is a title, a SQL query and a chart type."""
